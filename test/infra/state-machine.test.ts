import { ENCRYPT_VOLUMES_TASK_SPECS } from '../../infra/workflows/encrypt-volumes';
import { LOCK_RESOURCES_TASK_SPEC, LOCK_TASK_SPECS, type LockTask } from '../../infra/kit/lock';
import { PLAN_CHECK_TASK_SPECS, type PlanCheckTask } from '../../infra/kit/plan-check';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { ErrorNames, TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { States, type EncryptVolumesTask } from '../../workflows/encrypt-volumes';
import { fakeArn, parseStateMachine, stateNamed, type AslState, type ParsedStateMachine } from './definition';
import { resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// Which function each Task state invokes (several states share one).
const TASK_STATES: Record<string, EncryptVolumesTask> = {
  [States.validateInput]: 'validate-input',
  [States.checkInstanceSettled]: 'check-instance-settled',
  [States.preflight]: 'preflight',
  [States.preflightAfterApproval]: 'preflight',
  [States.recheckBeforeFinalSnapshots]: 'recheck-instance',
  [States.createPreCopySnapshot]: 'create-snapshot',
  [States.checkPreCopySnapshots]: 'check-snapshots',
  [States.copyPreCopySnapshot]: 'copy-snapshot',
  [States.checkPreCopyEncrypt]: 'check-snapshots',
  [States.stopInstance]: 'stop-instance',
  [States.checkInstanceStopped]: 'check-instance-state',
  [States.createFinalSnapshot]: 'create-snapshot',
  [States.checkFinalSnapshots]: 'check-snapshots',
  [States.copyFinalSnapshot]: 'copy-snapshot',
  [States.checkFinalEncrypt]: 'check-snapshots',
  [States.createEncryptedVolume]: 'create-volume',
  [States.checkVolumes]: 'check-volumes',
  [States.swapVolume]: 'swap-volume',
  [States.verifySwap]: 'verify-swap',
  [States.startInstance]: 'start-instance',
  [States.checkInstanceStarted]: 'check-instance-state',
  [States.cleanupCreated]: 'cleanup-created',
  [States.buildReport]: 'build-report',
  [States.buildNotRestartedReport]: 'build-report',
  [States.rollbackVolume]: 'rollback-volume',
  [States.restartAfterRollback]: 'start-instance',
  [States.checkRestartedAfterRollback]: 'check-instance-state',
  [States.cleanupAfterRollback]: 'cleanup-created',
  [States.finishRollback]: 'finish-rollback',
  [States.requestApprovalVerifyApprover]: 'verify-approver',
  [States.copyVolume]: 'copy-volume',
  [States.readVolumeInitialization]: 'volume-initialization',
  [States.checkVolumeInitialization]: 'volume-initialization',
  [States.comparePreCopyPair]: 'compare-blocks',
  [States.compareFinalPair]: 'compare-blocks',
};
// The kit's lock steps around the workflow's own, and the function each invokes.
const LOCK_TASK_STATES: Record<string, LockTask> = {
  [SkeletonStates.acquireLock]: 'acquire-lock',
  [SkeletonStates.releaseLock]: 'release-lock',
  [SkeletonStates.releaseLockAfterFailure]: 'release-lock',
};
// The kit's plan check after an approval.
const PLAN_CHECK_TASK_STATES: Record<string, PlanCheckTask> = { [SkeletonStates.comparePlansAfterApproval]: 'compare-plans' };
// The kit's step that tags what the plan will change (spec lock.resourcesPath).
const LOCK_RESOURCES_STATES: Record<string, string> = { [SkeletonStates.lockResources]: LOCK_RESOURCES_TASK_SPEC.entry };
const TASKS = [...Object.keys(TASK_STATES), ...Object.keys(LOCK_TASK_STATES), ...Object.keys(PLAN_CHECK_TASK_STATES), ...Object.keys(LOCK_RESOURCES_STATES)];
const entryOf = (state: string): string | undefined => {
  const task = TASK_STATES[state];
  if (task) return ENCRYPT_VOLUMES_TASK_SPECS[task].entry;
  const lockTask = LOCK_TASK_STATES[state];
  if (lockTask) return LOCK_TASK_SPECS[lockTask].entry;
  const planCheckTask = PLAN_CHECK_TASK_STATES[state];
  if (planCheckTask) return PLAN_CHECK_TASK_SPECS[planCheckTask].entry;
  return LOCK_RESOURCES_STATES[state];
};

// Everything after the first change to the account: any failure rolls back.
const GUARDED = [
  States.preCopySnapshots, States.checkPreCopySnapshots, States.preCopyEncrypt, States.checkPreCopyEncrypt,
  States.stopInstance, States.checkInstanceStopped, States.recheckBeforeFinalSnapshots, States.finalSnapshots, States.checkFinalSnapshots,
  States.finalEncrypt, States.checkFinalEncrypt, States.createVolumes, States.checkVolumes, States.swapVolumes,
  States.verifySwap, States.copyVolumes, States.comparePreCopyBlocks, States.compareFinalBlocks,
];
// volume-copy's initialization read after the swap: reported only, never a reason to roll back.
const AFTER_SWAP: Record<string, { ResultPath: string; Next: string }> = {
  [States.readVolumeInitialization]: { ResultPath: '$.work.initializationError', Next: States.verifySwap },
};
// After verify: a failure to start or to clean up never rolls the verified swap back.
const AFTER_VERIFY: Record<string, { ResultPath: string; Next: string }> = {
  [States.startInstance]: { ResultPath: '$.work.startError', Next: States.cleanupCreated },
  [States.checkInstanceStarted]: { ResultPath: '$.work.startError', Next: States.cleanupCreated },
  [States.cleanupCreated]: { ResultPath: '$.work.cleanupError', Next: States.routeAfterCleanup },
};
// Rollback's own steps: a failure there is recorded and rollback goes on, so FinishRollback always runs.
const ROLLBACK: Record<string, { ResultPath: string; Next: string }> = {
  [States.rollbackVolume]: { ResultPath: '$.error', Next: States.rollbackVolumeFailed },
  [States.rollbackVolumes]: { ResultPath: '$.work.rollbackErrors.volumes', Next: States.cleanupAfterRollback },
  [States.restartAfterRollback]: { ResultPath: '$.work.rollbackErrors.restart', Next: States.cleanupAfterRollback },
  [States.checkRestartedAfterRollback]: { ResultPath: '$.work.rollbackErrors.restart', Next: States.cleanupAfterRollback },
  [States.cleanupAfterRollback]: { ResultPath: '$.work.rollbackErrors.cleanup', Next: States.finishRollback },
  [States.finishRollback]: { ResultPath: '$.work.rollbackError', Next: States.rollbackFailed },
};

const EXPECTED_RETRY = [
  {
    ErrorEquals: [...TRANSIENT_ERRORS],
    IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL',
  },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
// Capacity at the (re)start: a long backoff, about an hour in all by default.
const CAPACITY_RETRY = {
  ErrorEquals: ['InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'Unsupported'],
  IntervalSeconds: 60, MaxAttempts: 7, BackoffRate: 2, MaxDelaySeconds: 900, JitterStrategy: 'FULL',
};
// A volume still settling while an original is put back.
const BUSY_RETRY = { ErrorEquals: ['IncorrectState', 'VolumeInUse'], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' };
// CopyVolumes refused for the copies in flight: queued, about 27 minutes at most.
const COPY_QUEUE_RETRY = { ErrorEquals: ['CopyVolumesLimitExceeded'], IntervalSeconds: 30, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 300, JitterStrategy: 'FULL' };
const EXTRA_RETRY: Record<string, object[]> = {
  [States.copyVolume]: [COPY_QUEUE_RETRY],
  [States.startInstance]: [CAPACITY_RETRY], [States.restartAfterRollback]: [CAPACITY_RETRY], [States.rollbackVolume]: [BUSY_RETRY],
};

let synth: SynthesizedTemplate;
let machine: ParsedStateMachine;
const state = (name: string): AslState => stateNamed(machine.states, name);

beforeAll(() => {
  synth = sharedRemediationTemplate();
  machine = parseStateMachine(synth.template, 'remediation-encrypt-volumes');
});

describe('Task states', () => {
  it('are exactly the expected ones (plus the approval gate), inside Maps included', () => {
    const tasks = [...machine.states].filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks.sort()).toEqual([...TASKS, States.requestApproval].sort());
  });

  it.each(TASKS)('%s retries transient errors and one timeout (the starts capacity, rollback a busy volume too), nothing else', (name) => {
    expect(state(name).Retry).toEqual([...EXPECTED_RETRY, ...(EXTRA_RETRY[name] ?? [])]);
  });

  it.each(TASKS)('%s has its timeout', (name) => {
    // The block comparisons page for minutes (their function gives up at 13); every other task is short.
    expect(state(name).TimeoutSeconds).toBe(name === States.comparePreCopyPair || name === States.compareFinalPair ? 840 : 60);
  });

  it.each(TASKS)('%s invokes the function of its task', (name) => {
    const functions = resourcesOf(synth.template, 'AWS::Lambda::Function');
    const [logicalId] = Object.entries(functions).find(([id]) => fakeArn(id) === state(name).Resource) ?? [];
    expect(entryOf(name)).toMatch(/^tasks\//);
    expect(logicalId && functions[logicalId]?.Metadata?.[HANDLER_METADATA]).toBe(entryOf(name));
  });

  it('never retries States.ALL or States.TaskFailed, in any state', () => {
    const retried = [...machine.states.values()].flatMap((s) => (s.Retry ?? []).flatMap((r) => r.ErrorEquals as string[]));
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.filter((e) => e === 'States.ALL' || e === 'States.TaskFailed')).toEqual([]);
  });
});

describe('Catch', () => {
  it.each(GUARDED)('%s rolls back on any error', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackVolumes }]);
  });

  it.each(Object.keys(AFTER_VERIFY))('%s records any error and goes on to the cleanup and the report, never to rollback', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ...AFTER_VERIFY[name] }]);
  });

  it.each(Object.keys(AFTER_SWAP))('%s records any error and goes on to verify, never to rollback', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ...AFTER_SWAP[name] }]);
  });

  it.each(Object.keys(ROLLBACK))('%s records any error and rollback goes on', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ...ROLLBACK[name] }]);
  });

  it('ValidateInput and Preflight have none: a refusal ends the execution before any change (the Remediation branch around Preflight releases the lock)', () => {
    expect(state(States.validateInput).Catch).toBeUndefined();
    expect(state(States.preflight).Catch).toBeUndefined();
  });

  it('no other state catches', () => {
    const catching = [...machine.states].filter(([, s]) => s.Catch !== undefined).map(([name]) => name);
    expect(catching.sort()).toEqual([
      ...GUARDED, ...Object.keys(AFTER_VERIFY), ...Object.keys(AFTER_SWAP), ...Object.keys(ROLLBACK), States.requestApproval, States.requestApprovalVerifyApprover, States.preflightAfterApproval,
      SkeletonStates.remediation, States.checkVolumeInitialization,
    ].sort());
  });
});

describe('the approval gate', () => {
  it('waits for a task token, asks with the plan, and treats no answer within 24 h as a rejection', () => {
    const gate = state(States.requestApproval);
    expect(gate).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 86400,
      ResultPath: '$.approval',
      Next: States.requestApprovalAnswered,
      Parameters: {
        Payload: {
          'taskToken.$': '$$.Task.Token', workflow: 'encrypt-volumes', 'executionName.$': '$$.Execution.Name', 'executionArn.$': '$$.Execution.Id',
          'target.$': '$.request.instanceId', 'plan.$': '$.plan', timeoutSeconds: 86400,
        },
      },
    });
    expect(gate.Retry).toEqual([EXPECTED_RETRY[0]]);
    expect(gate.Catch).toEqual([
      { ErrorEquals: ['ApprovalRejected'], ResultPath: '$.approvalError', Next: States.requestApprovalRejected },
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.approvalError', Next: States.requestApprovalUnanswered },
    ]);
    expect(state(States.requestApprovalRejected)).toEqual({ Type: 'Fail', Error: 'ApprovalRejected', CausePath: '$.approvalError.Cause' });
    expect(state(States.requestApprovalUnanswered)).toEqual({ Type: 'Fail', Error: 'ApprovalRejected', Cause: 'no answer within 1 day: treated as rejected; nothing was changed' });
  });

  it('proceeds only on an answer that says "approved": true; any other answer is a rejection', () => {
    expect(state(States.requestApprovalAnswered)).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.approval.approved', IsPresent: true }, Next: States.requestApprovalNotApproved },
        { Not: { Variable: '$.approval.approved', IsBoolean: true }, Next: States.requestApprovalNotApproved },
        { Variable: '$.approval.approved', BooleanEquals: true, Next: States.requestApprovalVerifyApprover },
      ],
      Default: States.requestApprovalNotApproved,
    });
    expect(state(States.requestApprovalNotApproved)).toEqual({
      Type: 'Fail', Error: 'ApprovalRejected', Cause: 'the answer did not say "approved": true: treated as rejected; nothing was changed',
    });
  });

  it('an approval proceeds only once its identity proof names someone other than the requester; a refusal is ApprovalRejected', () => {
    const verify = state(States.requestApprovalVerifyApprover);
    // Its function (tasks/approval/verify-approver.ts), Retry and timeout: the Task states' checks above.
    expect(verify).toMatchObject({ Type: 'Task', TimeoutSeconds: 60, ResultPath: '$.work.approval', Next: States.preflightAfterApproval });
    expect(verify.Parameters).toEqual({ 'answer.$': '$.approval', 'executionArn.$': '$$.Execution.Id', 'trigger.$': '$.request.trigger' });
    expect(verify.Catch).toEqual([{ ErrorEquals: ['ApprovalRejected'], ResultPath: '$.approvalError', Next: States.requestApprovalRejected }]);
  });

  it('ValidateInput is handed the execution\'s ARN, which trigger proofs are bound to', () => {
    expect(state(States.validateInput).Parameters).toEqual({
      'input.$': '$$.Execution.Input', execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime', 'arn.$': '$$.Execution.Id' },
    });
  });
});

describe('Maps and end states', () => {
  it.each([States.swapVolumes, States.rollbackVolumes])('%s handles one volume at a time', (name) => {
    expect(state(name)).toMatchObject({ Type: 'Map', MaxConcurrency: 1 });
  });

  it('RolledBack fails with RemediationRolledBack and the rollback cause', () => {
    expect(state(States.rolledBack)).toEqual({ Type: 'Fail', Error: 'RemediationRolledBack', CausePath: '$.work.rollback.cause' });
  });

  it('RollbackIncomplete fails with RollbackFailedError and the per-device report; RollbackFailed (FinishRollback itself failed) with its error', () => {
    expect(state(States.rollbackIncomplete)).toEqual({ Type: 'Fail', Error: ErrorNames.rollbackFailed, CausePath: '$.work.rollback.cause' });
    expect(state(States.rollbackFailed)).toEqual({ Type: 'Fail', Error: ErrorNames.rollbackFailed, CausePath: '$.work.rollbackError.Cause' });
  });

  it('FinishRollback routes on whether everything was restored', () => {
    expect(state(States.finishRollback).Next).toBe(States.routeRollbackOutcome);
    expect(state(States.routeRollbackOutcome)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.work.rollback.allRestored', BooleanEquals: true, Next: States.rolledBack }], Default: States.rollbackIncomplete,
    });
  });

  it('the rollback Map attempts every device: a device caught after its retries is recorded, and the iteration ends well', () => {
    const map = state(States.rollbackVolumes);
    expect(map).toMatchObject({
      Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.work.volumes', ResultPath: '$.work.rolledBackVolumes',
      ItemSelector: { 'volume.$': '$$.Map.Item.Value', 'instanceId.$': '$.request.instanceId', poll: {} },
      Next: States.routeRollbackRestart,
    });
    expect(state(States.rollbackVolumeFailed)).toEqual({
      Type: 'Pass', End: true, Parameters: { 'volumeId.$': '$.volume.volumeId', 'device.$': '$.volume.device', step: 'failed', 'error.$': '$.error' },
    });
    expect(state(States.volumeRestored)).toEqual({ Type: 'Pass', End: true, OutputPath: '$.poll' });
    expect(state(States.routeRollbackRestart)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.plan.instance.wasRunning', BooleanEquals: true, Next: States.restartAfterRollback }], Default: States.cleanupAfterRollback,
    });
  });

  it('the restart after rollback is handed the devices and skipped when start-instance says so', () => {
    expect(state(States.restartAfterRollback)).toMatchObject({
      Parameters: { 'instanceId.$': '$.request.instanceId', afterRollback: { 'devices.$': '$.work.rolledBackVolumes' } },
      ResultPath: '$.work.restart', Next: States.routeRestartAfterRollback,
    });
    expect(state(States.routeRestartAfterRollback)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.work.restart.skipped', IsPresent: true, Next: States.cleanupAfterRollback }], Default: States.checkRestartedAfterRollback,
    });
  });

  it('a start that keeps failing after verify ends InstanceNotRestartedError after the cleanup, with the report as its cause', () => {
    expect(state(States.routeAfterCleanup)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.work.startError', IsPresent: true, Next: States.buildNotRestartedReport }], Default: States.buildReport,
    });
    expect(state(States.buildNotRestartedReport)).toMatchObject({ ResultPath: '$.work.report', Next: States.describeNotRestarted });
    expect(state(States.describeNotRestarted)).toEqual({
      Type: 'Pass', Parameters: { 'cause.$': 'States.JsonToString($.work.report)' }, ResultPath: '$.work.notRestarted', Next: States.instanceNotRestarted,
    });
    expect(state(States.instanceNotRestarted)).toEqual({ Type: 'Fail', Error: 'InstanceNotRestartedError', CausePath: '$.work.notRestarted.cause' });
    expect(state(States.instanceStartFailed)).toMatchObject({
      Type: 'Pass', Parameters: { 'Error.$': '$.work.polls.started.error.Error', 'Cause.$': '$.work.polls.started.error.Cause' },
      ResultPath: '$.work.startError', Next: States.cleanupCreated,
    });
  });

  it.each([
    [States.cleanupCreated, 'success', '$.work.cleanup', States.routeCleanupCreated, States.waitCleanupCreated, States.routeAfterCleanup],
    [States.cleanupAfterRollback, 'rollback', '$.work.rollbackCleanup', States.routeCleanupAfterRollback, States.waitCleanupAfterRollback, States.finishRollback],
  ])('%s is a settle loop over the execution\'s resources (after %s)', (name, after, path, route, wait, then) => {
    expect(state(name)).toMatchObject({
      Parameters: { 'executionName.$': '$.execution.name', after, 'volumes.$': '$.work.volumes', 'poll.$': path }, ResultPath: path, Next: route,
    });
    expect(state(route)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: `${path}.status`, StringEquals: 'pending', Next: wait }, { Variable: `${path}.status`, StringEquals: 'error', Next: then }],
      Default: then,
    });
  });

  it('every Wait waits the seconds the check it returns to computed', () => {
    const waits = [...machine.states].filter(([, s]) => s.Type === 'Wait');
    expect(waits.length).toBe(14);
    for (const [name, wait] of waits) {
      const check = state(wait.Next ?? '');
      expect({ name, ...wait }).toEqual({ name, Type: 'Wait', SecondsPath: `${check.ResultPath}.waitSeconds`, Next: wait.Next });
    }
  });
});

describe('query language', () => {
  it('is JSONPath for the machine', () => {
    expect(machine.asl.QueryLanguage).toBe('JSONPath');
  });

  it('no state switches to JSONata or uses its fields', () => {
    const offending = [...machine.states].filter(([, s]) =>
      (s.QueryLanguage !== undefined && s.QueryLanguage !== 'JSONPath') || ['Assign', 'Arguments', 'Output'].some((f) => f in s));
    expect(offending.map(([name]) => name)).toEqual([]);
  });
});

describe('paths', () => {
  it('RouteByPlan: anything but PROCEED reports, otherwise the volumes are locked first (LockResources)', () => {
    const route = state(States.routeByPlan);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }],
      Default: SkeletonStates.lockResources,
    });
    expect(state(SkeletonStates.lockResources).Next).toBe(SkeletonStates.routeAfterLock);
  });

  it('RouteAfterLock: approval asks first, otherwise straight on', () => {
    const route = state(SkeletonStates.routeAfterLock);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [{ Variable: '$.request.approval', BooleanEquals: true, Next: States.requestApproval }],
      Default: States.routeByInstanceState,
    });
  });

  it('RouteByInstanceState: a needed stop takes pre-copy snapshots (volume-copy: none, straight to the stop), otherwise final snapshots', () => {
    const route = state(States.routeByInstanceState);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [{ Variable: '$.plan.needsStop', BooleanEquals: true, Next: States.routeStrategyBeforeStop }],
      Default: States.recheckBeforeFinalSnapshots,
    });
    expect(state(States.routeStrategyBeforeStop)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.strategy', StringEquals: 'volume-copy', Next: States.stopInstance }], Default: States.preCopySnapshots,
    });
  });

  it('starts with ValidateInput, then the lock; the Remediation branch starts by waiting for the instance to settle', () => {
    expect(machine.asl.StartAt).toBe(States.validateInput);
    expect(state(States.validateInput).Next).toBe(SkeletonStates.routeByMode);
    expect(state(SkeletonStates.remediation).Branches?.map((b) => b.StartAt)).toEqual([States.settleInstance]);
  });

  it('every Next, Default and Choice target names an existing state', () => {
    const targets = [...machine.states.values()].flatMap((s) => [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next),
      ...(s.Catch ?? []).map((c) => c.Next)]).filter((t): t is string => typeof t === 'string');
    expect(targets.filter((t) => !machine.states.has(t))).toEqual([]);
  });
});

describe('the volume-copy branch', () => {
  it('CopyVolumes: a Map of CopyVolume over the volumes, guarded by rollback, then the same wait for available volumes', () => {
    const { ItemProcessor, ...map } = state(States.copyVolumes) as AslState & { ItemProcessor: { StartAt: string } };
    expect(map).toEqual({
      Type: 'Map', ItemsPath: '$.work.volumes', MaxConcurrency: 10, ResultPath: '$.work.volumes',
      ItemSelector: { 'volume.$': '$$.Map.Item.Value', 'executionName.$': '$.execution.name', 'kmsKeyArn.$': '$.plan.kmsKeyArn' },
      Next: States.checkVolumes,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackVolumes }],
    });
    expect(ItemProcessor.StartAt).toBe(States.copyVolume);
  });

  it('CopyVolume: one call per volume, queued on CopyVolumesLimitExceeded after the transient retries', () => {
    const { Resource, ...copy } = state(States.copyVolume);
    expect(Resource).toBe(fakeArn(Object.keys(resourcesOf(synth.template, 'AWS::Lambda::Function'))
      .find((id) => resourcesOf(synth.template, 'AWS::Lambda::Function')[id]?.Metadata?.[HANDLER_METADATA] === 'tasks/ebs/copy-volume.ts') as string));
    expect(copy).toEqual({ Type: 'Task', TimeoutSeconds: 60, End: true, Retry: [...EXPECTED_RETRY, COPY_QUEUE_RETRY] });
  });

  it('after the swap, volume-copy reads the initialization (its failure recorded), then verify; the others go straight to verify', () => {
    expect(state(States.swapVolumes).Next).toBe(States.routeAfterSwap);
    expect(state(States.routeAfterSwap)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.strategy', StringEquals: 'volume-copy', Next: States.readVolumeInitialization }], Default: States.verifySwap,
    });
    const read = Object.fromEntries(Object.entries(state(States.readVolumeInitialization)).filter(([key]) => key !== 'Resource' && key !== 'Retry'));
    expect(read).toEqual({
      Type: 'Task', Parameters: { 'volumes.$': '$.work.volumes' }, ResultPath: '$.work.initialization', TimeoutSeconds: 60, Next: States.verifySwap,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.initializationError', Next: States.verifySwap }],
    });
  });
});

describe('following the initialization after the lock is released', () => {
  it('ReleaseLock -> RouteAfterRelease: a report whose initialization is still initializing waits and reads again; any other goes to Done', () => {
    expect(state(SkeletonStates.releaseLock).Next).toBe(States.routeAfterRelease);
    expect(state(States.routeAfterRelease)).toEqual({
      Type: 'Choice',
      Choices: [{
        And: [{ Variable: '$.initialization.status', IsPresent: true }, { Variable: '$.initialization.status', StringEquals: 'initializing' }],
        Next: States.waitVolumeInitialization,
      }],
      Default: States.done,
    });
    expect(state(States.done)).toEqual({ Type: 'Succeed' });
  });

  it('WaitVolumeInitialization -> CheckVolumeInitialization -> RouteVolumeInitialization: the read\'s own interval, the next read over the last', () => {
    expect(state(States.waitVolumeInitialization)).toEqual({ Type: 'Wait', SecondsPath: '$.initialization.waitSeconds', Next: States.checkVolumeInitialization });
    const { Resource, Retry, ...check } = state(States.checkVolumeInitialization);
    expect(Resource).toEqual(state(States.readVolumeInitialization).Resource);
    expect(Retry).toEqual(EXPECTED_RETRY);
    expect(check).toEqual({
      Type: 'Task', Parameters: { 'previous.$': '$.initialization' }, ResultPath: '$.initialization', TimeoutSeconds: 60,
      Next: States.routeVolumeInitialization,
      // a read that keeps failing ends the follow-up: the remediation has already succeeded
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.initializationFollowError', Next: States.done }],
    });
    expect(state(States.routeVolumeInitialization)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.initialization.status', StringEquals: 'initializing', Next: States.waitVolumeInitialization }],
      Default: States.done,
    });
  });
});

describe('block comparisons (copy strategy)', () => {
  const stripped = (name: string) => Object.fromEntries(Object.entries(state(name)).filter(([key]) => key !== 'Resource' && key !== 'Retry'));
  it.each([
    [States.comparePreCopyBlocks, States.comparePreCopyPair, States.routePreCopyPair, States.preCopyPairCompared, 'pre-copy', 'preCopyBlocks', States.stopInstance],
    [States.compareFinalBlocks, States.compareFinalPair, States.routeFinalPair, States.finalPairCompared, 'final', 'finalBlocks', States.createVolumes],
  ])('%s: a Map per volume, guarded by rollback, loops %s while pending, then goes on', (map, task, route, done, phase, field, next) => {
    const { ItemProcessor, ...rest } = state(map) as AslState & { ItemProcessor: { StartAt: string } };
    expect(rest).toEqual({
      Type: 'Map', ItemsPath: '$.work.volumes', MaxConcurrency: 10, ResultPath: '$.work.volumes', ItemSelector: { 'volume.$': '$$.Map.Item.Value' },
      Next: next, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackVolumes }],
    });
    expect(ItemProcessor.StartAt).toBe(task);
    expect(stripped(task)).toEqual({ Type: 'Task', Parameters: { 'volume.$': '$.volume', phase }, ResultPath: '$.volume', TimeoutSeconds: 840, Next: route });
    expect(state(task).Retry).toEqual(EXPECTED_RETRY);
    expect(state(route)).toEqual({ Type: 'Choice', Choices: [{ Variable: `$.volume.${field}.status`, StringEquals: 'pending', Next: task }], Default: done });
    expect(state(done)).toEqual({ Type: 'Pass', OutputPath: '$.volume', End: true });
  });

  it('the copies\' poll loops end in the comparisons; verify no longer lists blocks (60 s)', () => {
    expect(state(States.routePreCopyEncrypt).Default).toBe(States.comparePreCopyBlocks);
    expect(state(States.routeFinalEncrypt).Default).toBe(States.compareFinalBlocks);
    expect(state(States.verifySwap).TimeoutSeconds).toBe(60);
  });
});

describe('state machine resource', () => {
  it('times out after 30 days', () => {
    expect(machine.asl.TimeoutSeconds).toBe(30 * 24 * 3600);
  });

  it('is Standard, traced, and logs everything with execution data to its vended log group', () => {
    const logGroups = resourcesOf(synth.template, 'AWS::Logs::LogGroup');
    const [logGroupId] = Object.entries(logGroups)
      .find(([, r]) => r.Properties.LogGroupName === '/aws/vendedlogs/states/remediation-encrypt-volumes') ?? [];
    expect(logGroupId).toBeDefined();
    expect(machine.properties).toMatchObject({
      StateMachineName: 'remediation-encrypt-volumes',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
  });
});

describe('re-checks', () => {
  /** A Task state's JSON without its Resource and Retry (asserted for every task above). */
  const taskJson = (name: string) => Object.fromEntries(Object.entries(state(name)).filter(([key]) => key !== 'Resource' && key !== 'Retry'));

  it('SettleInstance -> CheckInstanceSettled -> RouteInstanceSettled: pending waits and checks again, anything else goes to Preflight', () => {
    expect(state(States.settleInstance)).toEqual({
      Type: 'Pass', Comment: 'A triage-started run finds the instance pending: wait (bounded) until it is running or stopped.',
      Result: {}, ResultPath: '$.settle', Next: States.checkInstanceSettled,
    });
    expect(taskJson(States.checkInstanceSettled)).toEqual({
      Type: 'Task', Parameters: { 'instanceId.$': '$.request.instanceId', 'poll.$': '$.settle' }, ResultPath: '$.settle',
      TimeoutSeconds: 60, Next: States.routeInstanceSettled,
    });
    expect(state(States.routeInstanceSettled)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.settle.status', StringEquals: 'pending', Next: States.waitInstanceSettled }], Default: States.preflight,
    });
    expect(state(States.waitInstanceSettled)).toEqual({ Type: 'Wait', SecondsPath: '$.settle.waitSeconds', Next: States.checkInstanceSettled });
  });

  it('after an approved answer: the same preflight with the same payload, then the kit compares the plans, then the apply path', () => {
    expect(taskJson(States.preflightAfterApproval)).toEqual({
      ...taskJson(States.preflight), ResultPath: '$.planAfterApproval', Next: States.comparePlansAfterApproval,
      Catch: [{ ErrorEquals: ['PreconditionFailedError', 'ResourceNotFoundError'], ResultPath: '$.planAfterApprovalError', Next: SkeletonStates.describePlanNoLongerPossible }],
    });
    expect(state(States.preflightAfterApproval).Resource).toBe(state(States.preflight).Resource);
    expect(taskJson(States.comparePlansAfterApproval)).toEqual({
      Type: 'Task', Parameters: { 'approved.$': '$.plan', 'current.$': '$.planAfterApproval' }, ResultPath: null,
      TimeoutSeconds: 60, Next: States.routeByInstanceState,
    });
  });

  it('a preflight that refuses after the approval is a changed plan: PlanChangedError with the refusal as its cause', () => {
    expect(state(SkeletonStates.describePlanNoLongerPossible)).toEqual({
      Type: 'Pass',
      Parameters: {
        'cause.$': "States.Format('the plan changed while waiting for approval: preflight now refuses it ({}: {}); nothing was changed', $.planAfterApprovalError.Error, $.planAfterApprovalError.Cause)",
      },
      ResultPath: '$.planAfterApprovalError', Next: SkeletonStates.planNoLongerPossible,
    });
    expect(state(SkeletonStates.planNoLongerPossible)).toEqual({ Type: 'Fail', Error: 'PlanChangedError', CausePath: '$.planAfterApprovalError.cause' });
  });

  it('RecheckBeforeFinalSnapshots re-reads the instance and its devices, after the stop and on a stopped instance, before the final snapshots', () => {
    expect(taskJson(States.recheckBeforeFinalSnapshots)).toEqual({
      Type: 'Task',
      Parameters: { 'instanceId.$': '$.request.instanceId', 'volumes.$': '$.work.volumes', next: 'the final snapshots' },
      ResultPath: '$.work.recheck', TimeoutSeconds: 60, Next: States.routeStrategyAfterStop,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackVolumes }],
    });
    expect(state(States.routeInstanceStopped).Default).toBe(States.recheckBeforeFinalSnapshots);
    expect(state(States.routeStrategyAfterStop)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.strategy', StringEquals: 'volume-copy', Next: States.copyVolumes }], Default: States.finalSnapshots,
    });
  });

  it('only StopInstance stops the instance, entered from the end of the pre-copy phase alone: nothing goes back to it', () => {
    const stopping = [...machine.states].filter(([, s]) => s.Resource === state(States.stopInstance).Resource).map(([name]) => name);
    const leadingToStop = [...machine.states].filter(([, s]) => [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)]
      .includes(States.stopInstance)).map(([name]) => name);

    expect(stopping).toEqual([States.stopInstance]);
    // direct: after the pre-copy snapshots; copy: after the pre-copy pair's block comparison; volume-copy: its branch point
    expect(leadingToStop.sort()).toEqual([States.comparePreCopyBlocks, States.routePreCopySnapshots, States.routeStrategyBeforeStop].sort());
    expect(state(States.stopInstance).Next).toBe(States.checkInstanceStopped);
  });
});
