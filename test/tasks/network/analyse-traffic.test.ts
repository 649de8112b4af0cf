import { gzipSync } from 'node:zlib';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/network/analyse-traffic';
import { s3Prefixes } from '../../../tasks/network/lib/flow-log-readers';
import type { FlowLogSource } from '../../../tasks/network/lib/flow-log-sources';
import type { InvestigationPlan } from '../../../tasks/network/lib/investigation';
import { awsError } from '../fixtures';
import { ADDRESS, ENI, EXECUTION, GROUP, INSIDE, SUBNET, VPC, WINDOW, request } from './investigate-fixtures';

const logs = mockClient(CloudWatchLogsClient);
const s3 = mockClient(S3Client);
beforeEach(() => { logs.reset(); s3.reset(); });

const line = (src: string, dstPort: number, bytes: number, action = 'ACCEPT') =>
  `2 123456789012 ${ENI} ${src} ${ADDRESS} 50000 ${dstPort} 6 1 ${bytes} ${INSIDE} ${INSIDE + 60} ${action} OK`;
const CW: FlowLogSource = { flowLogId: 'fl-cw', resourceId: ENI, destinationType: 'cloud-watch-logs', logGroupName: '/flow', eniIds: [ENI] };
const S3: FlowLogSource = { flowLogId: 'fl-s3', resourceId: SUBNET, destinationType: 's3', bucket: 'flow-logs', prefix: '', eniIds: [ENI] };
const plan = (sources: FlowLogSource[]): InvestigationPlan => ({
  outcome: 'PROCEED', target: ENI, window: WINDOW, unreadable: [], sources,
  enis: [{ eniId: ENI, subnetId: SUBNET, vpcId: VPC, ownerId: '123456789012', addresses: [ADDRESS], groupIds: [GROUP] }],
  worldOpen: [{ groupId: GROUP, ruleId: 'sgr-ssh', egress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }],
});
/** The one method of the SDK's stream the reader uses. */
const body = (text: string) => ({ transformToByteArray: async () => new Uint8Array(gzipSync(Buffer.from(text))) });
const DAY = 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/01/';
const key = (flowLogId: string, stamp: string) => `${DAY}123456789012_vpcflowlogs_us-east-1_${flowLogId}_${stamp}_abc.log.gz`;

describe('analyse-traffic from CloudWatch Logs', () => {
  it('pages FilterLogEvents on the ENI\'s own stream over the window and its slack', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ logStreamName: `${ENI}-all`, message: line('203.0.113.5', 22, 100) }], nextToken: 'n' })
      .resolvesOnce({ events: [{ logStreamName: `${ENI}-all`, message: line('198.51.100.9', 3389, 40, 'REJECT') }] });

    // Act
    const out = await handler({ request: request(), execution: EXECUTION, plan: plan([CW]) });

    // Assess
    expect(out).toMatchObject({ recordsRead: 2, recordsMatched: 2, capHit: false, accepted: { flows: 1 }, rejected: { flows: 1 }, sources: [{ flowLogId: 'fl-cw', read: 2 }] });
    expect(out.worldOpenHits).toEqual([expect.objectContaining({ ruleId: 'sgr-ssh', flows: 1, topRemotes: ['203.0.113.5'] })]);
    expect(logs).toHaveReceivedNthCommandWith(1, FilterLogEventsCommand, {
      logGroupName: '/flow', logStreamNames: [`${ENI}-all`], startTime: Date.parse(WINDOW.from) - 900_000, endTime: Date.parse(WINDOW.to) + 900_000,
    });
    expect(logs).toHaveReceivedNthCommandWith(2, FilterLogEventsCommand, { nextToken: 'n' });
  });

  it('stops at maxRecords without asking for the next page, and says the cap was hit', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [1, 2, 3].map(() => ({ logStreamName: `${ENI}-all`, message: line('203.0.113.5', 22, 1) })), nextToken: 'more' });
    const out = await handler({ request: request({ maxRecords: 2 }), execution: EXECUTION, plan: plan([CW]) });
    expect(out).toMatchObject({ recordsRead: 2, capHit: true });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 1);
  });

  it('a missing log group reads as nothing, with a note', async () => {
    logs.on(FilterLogEventsCommand).rejects(awsError('ResourceNotFoundException'));
    const out = await handler({ request: request(), execution: EXECUTION, plan: plan([CW]) });
    expect(out.sources).toEqual([{ flowLogId: 'fl-cw', destinationType: 'cloud-watch-logs', read: 0, note: expect.stringContaining('not found') }]);
  });

  it('throttling goes to the state machine\'s Retry', async () => {
    logs.on(FilterLogEventsCommand).rejects(awsError('ThrottlingException'));
    await expect(handler({ request: request(), execution: EXECUTION, plan: plan([CW]) })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('analyse-traffic from S3', () => {
  it('lists the window\'s day, reads only this flow log\'s files delivered in the window, gunzips and parses with the header', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({ Contents: [
      { Key: key('fl-s3', '20260301T1135Z') }, { Key: key('fl-other', '20260301T1135Z') }, { Key: key('fl-s3', '20260301T0300Z') },
    ] });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body([
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      line('203.0.113.5', 22, 700), 'garbage',
    ].join('\n')) }));

    // Act
    const out = await handler({ request: request(), execution: EXECUTION, plan: plan([S3]) });

    // Assess
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'flow-logs', Prefix: DAY });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'flow-logs', Key: key('fl-s3', '20260301T1135Z') });
    expect(out).toMatchObject({ recordsRead: 2, recordsMatched: 1, malformed: 1, accepted: { bytes: 700 }, sources: [{ flowLogId: 'fl-s3', read: 1 }] });
  });
});

describe('s3Prefixes', () => {
  it('names each UTC day of the window, with the flow log\'s prefix, hive-style and per-hour partitions', () => {
    const window = { from: '2026-03-01T23:30:00Z', to: '2026-03-02T00:20:00Z' };
    const owner = { ownerId: '123456789012' };
    expect(s3Prefixes({ ...S3, prefix: 'team-a' }, owner, 'eu-west-1', window)).toEqual([
      'team-a/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/03/01/', 'team-a/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/03/02/',
    ]);
    expect(s3Prefixes({ ...S3, hive: true, perHour: true }, owner, 'eu-west-1', { from: '2026-03-01T10:20:00Z', to: '2026-03-01T10:40:00Z' })).toEqual([
      'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=03/day=01/hour=10/',
    ]);
  });
});
