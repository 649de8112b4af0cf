import { TABLE, CASE, EXECUTION, forensic, request } from './fixtures';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as plan } from '../../../tasks/case/plan-closure';
import { awsError } from '../fixtures';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  ec2.reset();
  dynamodb.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  dynamodb.on(GetItemCommand).resolves({});
});
const run = (overrides: Record<string, unknown> = {}) => plan({ request: request(overrides), execution: EXECUTION, lockTarget: `111122223333/us-east-1/close-case/${CASE}` });
/** A contain-principal case record of this id: one key deactivated, released or not. */
const containCase = (released: boolean) => dynamodb.on(GetItemCommand).resolves({ Item: {
  caseId: { S: CASE }, principal: { S: JSON.stringify({ kind: 'user', arn: 'arn:aws:iam::111122223333:user/alice' }) }, containExecution: { S: 'contain-x' },
  changes: { M: { 'deactivate-access-key:AKIAIOSFODNN7EXAMPLE': { M: { action: { S: 'deactivate-access-key' }, resourceId: { S: 'AKIAIOSFODNN7EXAMPLE' }, at: { S: '2026-11-30T00:00:00Z' } } } } },
  ...(released ? { releasedAt: { S: '2026-11-30T01:00:00Z' } } : {}),
} });

describe('plan-closure', () => {
  it('finds the case\'s snapshots over every page (own, by the case tag) and plans to close those open; held and closed ones are kept apart', async () => {
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [forensic('snap-0b'), forensic('snap-0held', { 'remediation:hold': 'True' })], NextToken: 't' })
      .resolves({ Snapshots: [forensic('snap-0a'), forensic('snap-0closed', { 'remediation:case-closed': '2026-11-01T00:00:00.000Z', 'remediation:retain-until': '2026-12-01' })] });

    const out = await run();

    expect(out).toEqual({
      outcome: 'PROCEED', target: CASE, caseId: CASE,
      toClose: [{ snapshotId: 'snap-0a', tags: {} }, { snapshotId: 'snap-0b', tags: {} }],
      alreadyClosed: [{ snapshotId: 'snap-0closed', tags: { caseClosed: '2026-11-01T00:00:00.000Z', retainUntil: '2026-12-01' } }],
      held: [{ snapshotId: 'snap-0held', tags: { hold: 'True' } }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [{ Name: 'tag:remediation:case', Values: [CASE] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [
      { Name: 'tag:remediation:isolated', Values: [CASE] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
    ] });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, Key: { caseId: { S: CASE } } });
  });

  it('plan mode: PLANNED; nothing open to close (none, or all closed already): NO_ACTION', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [forensic('snap-0a')] });
    expect((await run({ mode: 'plan' })).outcome).toBe('PLANNED');
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [forensic('snap-0a', { 'remediation:case-closed': '2026-11-01T00:00:00.000Z' })] });
    expect((await run()).outcome).toBe('NO_ACTION');
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    expect((await run()).outcome).toBe('NO_ACTION');
  });

  it('refuses while an instance of the case is still isolated, naming it and its release command', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] }] });

    await expect(run()).rejects.toMatchObject({
      name: 'PreconditionFailedError',
      message: `case ${CASE} still holds i-0123456789abcdef0 isolated (remediation:isolated=${CASE}): release first with `
        + `remediate start isolate-instance --input '{"instanceId":"i-0123456789abcdef0","caseId":"${CASE}","release":true}'; nothing was changed`,
    });
  });

  it('refuses while the contain-principal case of this id still holds keys Inactive; force goes on and says so; a released case does not count', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [forensic('snap-0a')] });
    containCase(false);

    await expect(run()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining(`release it first with remediate start contain-principal --input '{"release":{"caseId":"${CASE}"}}'`) });
    expect(await run({ force: true })).toMatchObject({
      outcome: 'PROCEED', principalStillContained: 'arn:aws:iam::111122223333:user/alice: access keys AKIAIOSFODNN7EXAMPLE Inactive, not released',
    });
    containCase(true);
    expect(await run()).not.toHaveProperty('principalStillContained');
  });

  it('throttling is thrown for the state\'s Retry', async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(run()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
