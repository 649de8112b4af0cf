import type { EnableConfigReport } from '../../tasks/config/build-report';
import { States } from '../../workflows/enable-config';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { SLR_ARN, mutatingCalls, startConfigHarness, statesEntered, type ConfigHarness } from './enable-config-harness';

let h: ConfigHarness;

beforeAll(async () => {
  h = await startConfigHarness();
});
beforeEach(() => h.reset());
afterAll(() => h.moto.stop());

describe('enable-config when Config reports a failure', () => {
  it('ends FAILED with VerificationFailedError naming the status and reason when the recorder reports FAILURE', async () => {
    const execution = await h.run({}, {
      faults: { configRecorderStatus: { lastStatus: 'Failure', lastErrorCode: 'AccessDenied', lastErrorMessage: 'Config cannot write to the bucket' } },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('VerificationFailedError');
    expect(execution.cause).toBe('recorder default lastStatus Failure: AccessDenied: Config cannot write to the bucket');
    const path = statesEntered(execution);
    // The branch's own Fail state, then the lock is released and the execution fails with that error.
    expect(path.slice(-5)).toEqual([States.checkRecording, States.routeRecording, States.verificationFailed, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
    // What was put stays put (Config recording is the goal; nothing to roll back to that would be safer).
    expect((await h.state()).statuses).toEqual([expect.objectContaining({ name: 'default', recording: true })]);
  });

  it.each([
    ['PutConfigurationRecorder', 'MaxNumberOfConfigurationRecordersExceededException', 'the region already has a configuration recorder'],
    ['PutDeliveryChannel', 'InsufficientDeliveryPolicyException', 'does not let AWS Config deliver to it'],
    ['StartConfigurationRecorder', 'AccessDeniedException', 'access denied (AccessDeniedException)'],
  ])('%s refused with %s ends FAILED with a clear PreconditionFailedError, not retried', async (command, errorName, explained) => {
    const execution = await h.run({}, { faults: { failCall: { command, nth: 1, errorName, message: `${errorName} (injected)` } } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toContain(explained);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    const calls = mutatingCalls(execution);
    expect(calls[0]).toBe('dynamodb:PutItem');
    expect(calls.slice(-2)).toEqual([`config:${command}`, 'dynamodb:DeleteItem']);
  });
});

describe('enable-config with transient AWS errors', () => {
  it('absorbs throttling of every API once through the state machine Retry', async () => {
    const execution = await h.run({}, { faults: { throttleEachCallOnce: true } });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as EnableConfigReport).outcome).toBe('REMEDIATED');
    const throttled = execution.faults.injected.filter((f) => f.fault === 'throttle').map((f) => f.command);
    expect(throttled).toEqual(expect.arrayContaining([
      'config:DescribeConfigurationRecorders', 'iam:GetRole', 'iam:CreateServiceLinkedRole', 'config:PutConfigurationRecorder',
      'config:PutDeliveryChannel', 'config:StartConfigurationRecorder', 'config:DescribeConfigurationRecorderStatus',
      'dynamodb:PutItem', 'dynamodb:DeleteItem',
    ]));
    const retried = new Set(execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state));
    expect([...retried].sort()).toEqual([
      SkeletonStates.acquireLock, SkeletonStates.releaseLock, States.checkRecording, States.ensureServiceLinkedRole, States.preflight, States.putConfigurationRecorder,
      States.putDeliveryChannel, States.startConfigurationRecorder,
    ].sort());
    expect((await h.state()).statuses).toEqual([expect.objectContaining({ recording: true })]);
  });

  it('is idempotent when answers are lost after the change took effect', async () => {
    const execution = await h.run({}, {
      faults: { failAfterSuccessOnce: ['CreateServiceLinkedRole', 'PutConfigurationRecorder', 'PutDeliveryChannel', 'StartConfigurationRecorder'] },
    });

    expect(execution.status).toBe('SUCCEEDED');
    const now = await h.state();
    expect(now.recorders).toHaveLength(1);
    expect(now.channels).toHaveLength(1);
    expect(now.statuses).toEqual([expect.objectContaining({ name: 'default', recording: true })]);
    // The role was made by the first (lost) call; the retry found it instead of making a second.
    expect(await h.roleExists()).toBe(true);
    const report = execution.output as EnableConfigReport;
    expect(report.actions.find((a) => a.action === 'put-configuration-recorder')?.after).toMatchObject({ roleARN: SLR_ARN });
  });
});
