import { CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { CloudTrailReport } from '../../tasks/cloudtrail/build-report';
import { States } from '../../workflows/enable-cloudtrail';
import { lockedFailure, mutatingCalls, statesEntered, withLockCalls } from './harness';

const LOG_BUCKET = 'remediation-trail-logs';
const TRAIL = 'remediation-trail';

let moto: MotoServer;
let run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
let ct: CloudTrailClient;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  Object.assign(process.env, { TRAIL_BUCKET_NAME: LOG_BUCKET, TRAIL_NAME: TRAIL, TRAIL_ARN: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${TRAIL}` });
  const { runWorkflow } = await import('../../local/runner');
  run = (input, options) => runWorkflow('enable-cloudtrail', input, options);
  ct = new CloudTrailClient({});
  s3 = new S3Client({ forcePathStyle: true });
});
afterAll(() => moto.stop());

beforeEach(async () => {
  await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  for (const Bucket of [LOG_BUCKET, 'app-data']) await s3.send(new CreateBucketCommand({ Bucket }));
});

const trails = async () => (await ct.send(new DescribeTrailsCommand({}))).trailList ?? [];
/**
 * Refused before any change: FAILED with the error, nothing mutated but the lock. Refused by preflight,
 * the lock was taken and released, Preflight the last state of the remediation.
 */
function expectRefused(execution: LocalExecution, error: string, cause: RegExp, by: 'validation' | 'preflight' = 'preflight') {
  expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error });
  expect(execution.cause).toMatch(cause);
  expect(mutatingCalls(execution)).toEqual(by === 'validation' ? [] : withLockCalls('account'));
  expect(statesEntered(execution)).toEqual(by === 'validation' ? [States.validateInput] : lockedFailure(States.preflight));
}

describe('refusals before any change', () => {
  it('a malformed input names the field', async () => {
    const execution = await run({ dataEventBuckets: ['Bad_Name'] });

    expectRefused(execution, 'InvalidInputError', /dataEventBuckets/, 'validation');
  });

  it('a missing data-event bucket', async () => {
    const execution = await run({ dataEventBuckets: ['app-data', 'no-such-bucket'] });

    expectRefused(execution, 'ResourceNotFoundError', /data event bucket no-such-bucket does not exist/);
    expect(await trails()).toEqual([]);
  });

  it('a data-event bucket in another region', async () => {
    await new S3Client({ forcePathStyle: true, region: 'eu-west-1' })
      .send(new CreateBucketCommand({ Bucket: 'ireland-data', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));

    const execution = await run({ dataEventBuckets: ['ireland-data'] });

    expectRefused(execution, 'PreconditionFailedError', /ireland-data is in eu-west-1, not us-east-1/);
    expect(await trails()).toEqual([]);
  });

  it('a trail name taken by a trail with other settings is reported and left as it is', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'team-logs' }));
    await ct.send(new CreateTrailCommand({ Name: 'team-trail', S3BucketName: 'team-logs' }));

    const execution = await run({ trailName: 'team-trail' });

    expectRefused(execution, 'PreconditionFailedError', /trail name team-trail is taken by a trail with different settings \(IsMultiRegionTrail is false, LogFileValidationEnabled is false; bucket team-logs\)/);
    expect((await ct.send(new GetTrailCommand({ Name: 'team-trail' }))).Trail).toMatchObject({ IsMultiRegionTrail: false, S3BucketName: 'team-logs' });
  });
});

describe('AWS refusals during apply', () => {
  it('a bucket policy CloudTrail cannot write through: FAILED with a clear error, no trail', async () => {
    const execution = await run({}, {
      faults: { failCall: { command: 'CreateTrail', nth: 1, errorName: 'InsufficientS3BucketPolicyException', message: 'Incorrect S3 bucket policy is detected for bucket' } },
    });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'PreconditionFailedError' });
    expect(execution.cause).toMatch(new RegExp(`the policy of bucket ${LOG_BUCKET} does not let CloudTrail write for trail ${TRAIL}`));
    expect(statesEntered(execution)).toEqual(lockedFailure(States.preflight, States.initWork, States.routeByPlan, States.ensureTrail));
    expect(await trails()).toEqual([]);
  });

  it('access denied on the selectors: FAILED with a clear error; the trail made so far stays and a re-run finishes', async () => {
    const failed = await run({ dataEventBuckets: ['app-data'] }, {
      faults: { failCall: { command: 'PutEventSelectors', nth: 1, errorName: 'AccessDeniedException', message: 'User is not authorized' } },
    });
    expect({ status: failed.status, error: failed.error }).toEqual({ status: 'FAILED', error: 'PreconditionFailedError' });
    expect(failed.cause).toMatch(/not allowed to change trail remediation-trail/);

    const again = await run({ dataEventBuckets: ['app-data'] });

    expect({ status: again.status, error: again.error, cause: again.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect((again.output as CloudTrailReport).actions.map((a) => a.action)).toEqual(['put-event-selectors']);
    expect(await trails()).toHaveLength(1);
  });
});

describe('transient faults', () => {
  it('every call throttled once: retried, the same end state', async () => {
    const execution = await run({ dataEventBuckets: ['app-data'] }, { faults: { throttleEachCallOnce: true } });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected.filter((f) => f.fault === 'throttle').length).toBeGreaterThanOrEqual(6);
    expect((await ct.send(new GetEventSelectorsCommand({ TrailName: TRAIL }))).EventSelectors?.[0]?.DataResources)
      .toEqual([{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-data/'] }]);
  });

  it('answers lost after the change took effect: the retries find the work done, one trail, no duplicate selector', async () => {
    const execution = await run({ dataEventBuckets: ['app-data'] }, { faults: { failAfterSuccessOnce: ['CreateTrail', 'StartLogging', 'PutEventSelectors'] } });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected.map((f) => f.command)).toEqual(['cloudtrail:CreateTrail', 'cloudtrail:StartLogging', 'cloudtrail:PutEventSelectors']);
    expect(await trails()).toHaveLength(1);
    expect((await ct.send(new GetEventSelectorsCommand({ TrailName: TRAIL }))).EventSelectors).toEqual([{
      ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: [],
      DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-data/'] }],
    }]);
    const report = execution.output as CloudTrailReport;
    expect(report.actions.map((a) => a.action)).toEqual(['create-trail', 'start-logging', 'put-event-selectors']);
  });
});
