import type { EnableConfigReport } from '../../tasks/config/build-report';
import { States } from '../../workflows/enable-config';
import { CONFIG_BUCKET, SLR_ARN, mutatingCalls, startConfigHarness, statesEntered, type ConfigHarness } from './enable-config-harness';
import { locked, lockedFailure, withLockCalls } from './harness';

let h: ConfigHarness;

beforeAll(async () => {
  h = await startConfigHarness();
});
beforeEach(() => h.reset());
afterAll(() => h.moto.stop());

const RECORDER_ALL = (includeGlobal: boolean) => expect.objectContaining({
  name: 'default', roleARN: SLR_ARN, recordingGroup: expect.objectContaining({ allSupported: true, includeGlobalResourceTypes: includeGlobal }),
});

describe('enable-config on a fresh account', () => {
  it('creates the service-linked role, recorder and channel to the stack bucket, starts recording, and verifies', async () => {
    // GIVEN an account without AWS Config
    expect(await h.roleExists()).toBe(false);

    // WHEN
    const execution = await h.run({ trigger: { source: 'cli', principal: 'test' } });

    // THEN
    expect(execution.status).toBe('SUCCEEDED');
    const now = await h.state();
    expect(now.recorders).toEqual([RECORDER_ALL(true)]);
    expect(now.channels).toEqual([{ name: 'default', s3BucketName: CONFIG_BUCKET, configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' } }]);
    expect(now.statuses).toEqual([expect.objectContaining({ name: 'default', recording: true })]);
    expect(await h.role()).toEqual({
      path: '/aws-service-role/config.amazonaws.com/',
      trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    expect(statesEntered(execution)).toEqual(locked(
      States.preflight, States.initWork, States.routeByPlan, States.ensureServiceLinkedRole,
      States.putConfigurationRecorder, States.putDeliveryChannel, States.startConfigurationRecorder,
      States.checkRecording, States.routeRecording, States.buildReport,
    ));
    const report = execution.output as EnableConfigReport;
    expect(report).toMatchObject({ workflow: 'enable-config', target: 'us-east-1', outcome: 'REMEDIATED', mode: 'apply', trigger: { source: 'cli', principal: 'test' } });
    expect(report.actions.map((a) => [a.action, a.resourceId])).toEqual([
      ['create-service-linked-role', SLR_ARN],
      ['put-configuration-recorder', 'default'],
      ['put-delivery-channel', 'default'],
      ['start-configuration-recorder', 'default'],
    ]);
    expect(report.actions[1]?.before).toBeUndefined();
    expect(report.actions[1]?.after).toEqual({ name: 'default', roleARN: SLR_ARN, allSupported: true, includeGlobalResourceTypes: true });
    expect(report.actions[3]).toMatchObject({ before: { recording: false }, after: { recording: true } });
  });

  it('records no global resource types outside the home region, and honours frequency and topic', async () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:config-events';

    const execution = await h.run({ homeRegion: 'eu-west-1', deliveryFrequency: 'Six_Hours', snsTopicArn: topic });

    expect(execution.status).toBe('SUCCEEDED');
    const now = await h.state();
    expect(now.recorders).toEqual([RECORDER_ALL(false)]);
    expect(now.channels).toEqual([{ name: 'default', s3BucketName: CONFIG_BUCKET, snsTopicARN: topic, configSnapshotDeliveryProperties: { deliveryFrequency: 'Six_Hours' } }]);
  });

  it('plan mode changes nothing and returns the plan', async () => {
    const execution = await h.run({ mode: 'plan' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(mutatingCalls(execution)).toEqual([]);
    const now = await h.state();
    expect(now).toEqual({ recorders: [], channels: [], statuses: [] });
    expect(await h.roleExists()).toBe(false);
    const report = execution.output as EnableConfigReport;
    expect(report.outcome).toBe('PLANNED');
    expect(report.actions).toEqual([]);
    expect(report.plan.steps).toEqual([
      'ensure-service-linked-role AWSServiceRoleForConfig',
      'create-configuration-recorder default',
      `create-delivery-channel default (bucket ${CONFIG_BUCKET})`,
      'start-configuration-recorder default',
    ]);
    expect(statesEntered(execution)).not.toContain(States.ensureServiceLinkedRole);
  });
});

describe('enable-config on a configured account', () => {
  it('finds nothing to do after a successful run and makes no mutating call', async () => {
    expect((await h.run({})).status).toBe('SUCCEEDED');

    const again = await h.run({});

    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as EnableConfigReport).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
    expect(statesEntered(again)).toEqual(locked(States.preflight, States.initWork, States.routeByPlan, States.buildReport));
  });

  it('names back-to-back runs of the account apart, each after the documented pattern', async () => {
    // Plan runs take milliseconds: usually both start in the same second, the one the name resolves to.
    const runs = [await h.run({ mode: 'plan' }), await h.run({ mode: 'plan' })];

    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(new Set(runs.map((r) => r.name)).size).toBe(2);
    for (const run of runs) expect(run.name).toMatch(/^enable-config-account-\d{8}T\d{6}Z(-\d+)?$/);
  });

  it('refuses a differing recorder and channel without overwrite, listing the differences and changing nothing', async () => {
    await h.seedOtherRecorder('corp-recorder');
    const before = await h.state();

    const execution = await h.run({});

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toContain('overwrite: true');
    expect(execution.cause).toContain('recorder corp-recorder roleARN: "arn:aws:iam::123456789012:role/config-role"');
    expect(execution.cause).toContain('recorder corp-recorder allSupported: false');
    expect(execution.cause).toContain('delivery channel corp-recorder deliveryFrequency: "Six_Hours" → "TwentyFour_Hours"');
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
    expect(statesEntered(execution)).toEqual(lockedFailure(States.preflight));
    expect(await h.state()).toEqual(before);
  });

  it('with overwrite changes the existing recorder and channel under their own names', async () => {
    await h.seedOtherRecorder('corp-recorder');

    const execution = await h.run({ overwrite: true });

    expect(execution.status).toBe('SUCCEEDED');
    const now = await h.state();
    expect(now.recorders).toEqual([expect.objectContaining({ name: 'corp-recorder', roleARN: SLR_ARN, recordingGroup: expect.objectContaining({ allSupported: true, includeGlobalResourceTypes: true }) })]);
    expect(now.channels).toEqual([expect.objectContaining({ name: 'corp-recorder', configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' } })]);
    const report = execution.output as EnableConfigReport;
    const recorder = report.actions.find((a) => a.action === 'put-configuration-recorder');
    expect(recorder?.before).toMatchObject({ allSupported: false, resourceTypes: ['AWS::EC2::Instance'] });
    expect(recorder?.after).toMatchObject({ allSupported: true, includeGlobalResourceTypes: true });
    expect(report.plan.differences).toHaveLength(4);
  });
});
