import {
  CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand,
  PutEventSelectorsCommand, StartLoggingCommand, type AdvancedEventSelector, type EventSelector,
} from '@aws-sdk/client-cloudtrail';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { CloudTrailReport } from '../../tasks/cloudtrail/build-report';
import { States } from '../../workflows/enable-cloudtrail';
import { locked, mutatingCalls, statesEntered, withLockCalls } from './harness';

const LOG_BUCKET = 'remediation-trail-logs';
const TRAIL = 'remediation-trail';
const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:123456789012:trail/${TRAIL}`;

let moto: MotoServer;
let run: (input: Record<string, unknown>) => Promise<LocalExecution>;
let ct: CloudTrailClient;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // What the stack gives the task functions: its log bucket and the one trail its policy accepts.
  Object.assign(process.env, { TRAIL_BUCKET_NAME: LOG_BUCKET, TRAIL_NAME: TRAIL, TRAIL_ARN });
  const { runWorkflow } = await import('../../local/runner');
  run = (input) => runWorkflow('enable-cloudtrail', input);
  ct = new CloudTrailClient({});
  s3 = new S3Client({ forcePathStyle: true });
});
afterAll(() => moto.stop());

beforeEach(async () => {
  // A fresh account per test: the stack's log bucket exists (moto needs it before CreateTrail) and two data buckets.
  await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  for (const Bucket of [LOG_BUCKET, 'app-data', 'app-uploads']) await s3.send(new CreateBucketCommand({ Bucket }));
});

const trails = async () => (await ct.send(new DescribeTrailsCommand({}))).trailList ?? [];
const selectorsOf = (name: string) => ct.send(new GetEventSelectorsCommand({ TrailName: name }));
const isLogging = async (name: string) => (await ct.send(new GetTrailStatusCommand({ Name: name }))).IsLogging;

/** A trail someone made before us: multi-region, validated, logging, with its own selectors. */
async function existingTrail(name: string, selectors: { basic?: EventSelector[]; advanced?: AdvancedEventSelector[] }) {
  await s3.send(new CreateBucketCommand({ Bucket: `${name}-logs` }));
  await ct.send(new CreateTrailCommand({
    Name: name, S3BucketName: `${name}-logs`, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, EnableLogFileValidation: true,
  }));
  await ct.send(new StartLoggingCommand({ Name: name }));
  await ct.send(new PutEventSelectorsCommand(selectors.advanced
    ? { TrailName: name, AdvancedEventSelectors: selectors.advanced }
    : { TrailName: name, EventSelectors: selectors.basic }));
}

describe('enable-cloudtrail in a fresh account', () => {
  it('creates one multi-region trail into the stack bucket, starts logging and logs the buckets\' data events', async () => {
    const execution = await run({ dataEventBuckets: ['app-data', 'app-uploads'], trigger: { source: 'cli', principal: 'test' } });

    expect(execution.status).toBe('SUCCEEDED');
    const [trail, ...others] = await trails();
    expect(others).toEqual([]);
    expect(trail).toMatchObject({
      Name: TRAIL, TrailARN: TRAIL_ARN, S3BucketName: LOG_BUCKET, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true,
    });
    expect(await isLogging(TRAIL)).toBe(true);
    expect((await selectorsOf(TRAIL)).EventSelectors).toEqual([{
      ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: [],
      DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-data/', 'arn:aws:s3:::app-uploads/'] }],
    }]);
    const report = execution.output as CloudTrailReport;
    expect(report).toMatchObject({ workflow: 'enable-cloudtrail', target: TRAIL_ARN, outcome: 'REMEDIATED', mode: 'apply', trigger: { source: 'cli', principal: 'test' } });
    expect(report.actions.map((a) => a.action)).toEqual(['create-trail', 'start-logging', 'put-event-selectors']);
    expect(report.selectors.before.eventSelectors).toEqual([]);
    expect(report.verification?.trail.isLogging).toBe(true);
    expect(statesEntered(execution)).toEqual(locked(
      States.preflight, States.initWork, States.routeByPlan, States.ensureTrail, States.startLogging,
      States.putEventSelectors, States.verifyTrail, States.buildReport,
    ));
  });

  it('"all" logs every current and future bucket with the all-buckets value', async () => {
    const execution = await run({ dataEventBuckets: 'all' });

    expect(execution.status).toBe('SUCCEEDED');
    expect((await selectorsOf(TRAIL)).EventSelectors?.[0]?.DataResources).toEqual([{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }]);
  });

  it('kmsKeyId: the trail encrypts its log files with the key, named by its alias', async () => {
    const kms = new KMSClient({});
    const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'trail logs' }))).KeyMetadata?.Arn as string;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/trail-logs', TargetKeyId: keyArn }));

    const execution = await run({ kmsKeyId: 'alias/trail-logs' });

    expect(execution.status).toBe('SUCCEEDED');
    expect((await ct.send(new GetTrailCommand({ Name: TRAIL }))).Trail?.KmsKeyId).toBe(keyArn);
    expect((execution.output as CloudTrailReport).verification?.trail.kmsKeyId).toBe(keyArn);
  });

  it('a re-run finds everything in place: NO_ACTION without a single mutating call', async () => {
    expect((await run({ dataEventBuckets: ['app-data'] })).status).toBe('SUCCEEDED');

    const again = await run({ dataEventBuckets: ['app-data'] });

    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as CloudTrailReport).outcome).toBe('NO_ACTION');
    expect((again.output as CloudTrailReport).actions).toEqual([]);
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
    expect(statesEntered(again)).not.toContain(States.ensureTrail);
    expect(await trails()).toHaveLength(1);
  });

  it('plan mode reports the trail it would create and the selectors, and changes nothing', async () => {
    const execution = await run({ dataEventBuckets: ['app-data'], mode: 'plan' });

    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as CloudTrailReport;
    expect(report.outcome).toBe('PLANNED');
    expect(report.plan).toMatchObject({ trail: { name: TRAIL, arn: TRAIL_ARN }, trailAction: 'create', needsStartLogging: true, addedSelectors: ['arn:aws:s3:::app-data/'] });
    expect(report.selectors.after.eventSelectors[0]?.DataResources).toEqual([{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-data/'] }]);
    expect(mutatingCalls(execution)).toEqual([]);
    expect(await trails()).toEqual([]);
  });

  it('our trail, drifted to single-region and stopped, is updated and restarted, not duplicated', async () => {
    await ct.send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: LOG_BUCKET }));

    const execution = await run({});

    expect(execution.status).toBe('SUCCEEDED');
    expect((await ct.send(new GetTrailCommand({ Name: TRAIL }))).Trail).toMatchObject({ IsMultiRegionTrail: true, LogFileValidationEnabled: true });
    expect(await isLogging(TRAIL)).toBe(true);
    const report = execution.output as CloudTrailReport;
    expect(report.actions.map((a) => a.action)).toEqual(['update-trail', 'start-logging']);
    expect(report.actions[0]?.before).toMatchObject({ isMultiRegionTrail: false, logFileValidationEnabled: false });
    expect(await trails()).toHaveLength(1);
  });
});

describe('an existing compliant trail is reused and its selectors merged', () => {
  it('basic selectors: management settings and data resources kept, ours added in a new read-write selector', async () => {
    const writeOnly: EventSelector = {
      ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'],
      DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-uploads/'] }, { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }],
    };
    await existingTrail('org-audit', { basic: [writeOnly] });

    const execution = await run({ dataEventBuckets: ['app-data', 'app-uploads'] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((await trails()).map((t) => t.Name)).toEqual(['org-audit']);
    expect((await selectorsOf('org-audit')).EventSelectors).toEqual([
      writeOnly,
      {
        ReadWriteType: 'All', IncludeManagementEvents: false, ExcludeManagementEventSources: [],
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-data/', 'arn:aws:s3:::app-uploads/'] }],
      },
    ]);
    const report = execution.output as CloudTrailReport;
    expect(report.target).toBe('arn:aws:cloudtrail:us-east-1:123456789012:trail/org-audit');
    expect(report.actions.map((a) => a.action)).toEqual(['put-event-selectors']);
    expect(report.selectors.before.eventSelectors).toEqual([writeOnly]);
  });

  it('basic selectors: a read-write selector gets our buckets beside its own, and a bucket it has is not added twice', async () => {
    await existingTrail('org-audit', { basic: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-uploads/'] }] }] });

    const execution = await run({ dataEventBuckets: ['app-data', 'app-uploads'] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((await selectorsOf('org-audit')).EventSelectors).toEqual([{
      ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: [],
      DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-uploads/', 'arn:aws:s3:::app-data/'] }],
    }]);
  });

  it('advanced selectors: every existing one kept, ours added as an advanced selector, no basic selector', async () => {
    const existing: AdvancedEventSelector[] = [
      { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      { Name: 'lambda', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] }] },
    ];
    await existingTrail('org-audit', { advanced: existing });

    const execution = await run({ dataEventBuckets: ['app-data'] });

    expect(execution.status).toBe('SUCCEEDED');
    const after = await selectorsOf('org-audit');
    expect(after.EventSelectors).toEqual([]);
    expect(after.AdvancedEventSelectors).toEqual([...existing, {
      Name: 'S3 data events (remediation)',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::app-data/'] },
      ],
    }]);
    expect((execution.output as CloudTrailReport).selectors.after.style).toBe('advanced');
  });

  it('a compliant trail that already logs the buckets needs no action', async () => {
    await existingTrail('org-audit', { basic: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }] });

    const execution = await run({ dataEventBuckets: ['app-data'] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as CloudTrailReport).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
  });
});
