import { ENCRYPT_VOLUMES_TASK_SPECS } from '../../infra/workflows/encrypt-volumes';
import { LOCK_TASK_SPECS, type LockTask } from '../../infra/kit/lock';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { ErrorNames, TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { States, type EncryptVolumesTask } from '../../workflows/encrypt-volumes';
import { fakeArn, parseStateMachine, stateNamed, type AslState, type ParsedStateMachine } from './definition';
import { removeAssembly, resourcesOf, synthRemediationStack, type Synthesized } from './synth';

// Which function each Task state invokes (several states share one).
const TASK_STATES: Record<string, EncryptVolumesTask> = {
  [States.validateInput]: 'validate-input',
  [States.preflight]: 'preflight',
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
  [States.deleteIntermediateSnapshots]: 'delete-intermediate-snapshots',
  [States.buildReport]: 'build-report',
  [States.rollbackVolume]: 'rollback-volume',
  [States.restartAfterRollback]: 'start-instance',
  [States.checkRestartedAfterRollback]: 'check-instance-state',
  [States.finishRollback]: 'finish-rollback',
  [States.requestApprovalVerifyApprover]: 'verify-approver',
};
// The kit's lock steps around the workflow's own, and the function each invokes.
const LOCK_TASK_STATES: Record<string, LockTask> = {
  [SkeletonStates.acquireLock]: 'acquire-lock',
  [SkeletonStates.releaseLock]: 'release-lock',
  [SkeletonStates.releaseLockAfterFailure]: 'release-lock',
};
const TASKS = [...Object.keys(TASK_STATES), ...Object.keys(LOCK_TASK_STATES)];
const entryOf = (state: string): string | undefined => {
  const task = TASK_STATES[state];
  if (task) return ENCRYPT_VOLUMES_TASK_SPECS[task].entry;
  const lockTask = LOCK_TASK_STATES[state];
  return lockTask && LOCK_TASK_SPECS[lockTask].entry;
};

// Everything after the first change to the account: any failure rolls back.
const GUARDED = [
  States.preCopySnapshots, States.checkPreCopySnapshots, States.preCopyEncrypt, States.checkPreCopyEncrypt,
  States.stopInstance, States.checkInstanceStopped, States.finalSnapshots, States.checkFinalSnapshots,
  States.finalEncrypt, States.checkFinalEncrypt, States.createVolumes, States.checkVolumes, States.swapVolumes,
  States.verifySwap, States.startInstance, States.checkInstanceStarted, States.deleteIntermediateSnapshots,
];
// Rollback's own steps: a failure there ends in RollbackFailed, never in a second rollback.
const ROLLBACK = [States.rollbackVolumes, States.restartAfterRollback, States.checkRestartedAfterRollback, States.finishRollback];

const EXPECTED_RETRY = [
  {
    ErrorEquals: [...TRANSIENT_ERRORS],
    IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL',
  },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

let synth: Synthesized;
let machine: ParsedStateMachine;
const state = (name: string): AslState => stateNamed(machine.states, name);

beforeAll(() => {
  synth = synthRemediationStack({ bundle: false });
  machine = parseStateMachine(synth.template, 'remediation-encrypt-volumes');
});
afterAll(() => removeAssembly(synth));

describe('Task states', () => {
  it('are exactly the expected ones (plus the approval gate), inside Maps included', () => {
    const tasks = [...machine.states].filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks.sort()).toEqual([...TASKS, States.requestApproval].sort());
  });

  it.each(TASKS)('%s retries transient errors and one timeout, nothing else', (name) => {
    expect(state(name).Retry).toEqual(EXPECTED_RETRY);
  });

  it.each(TASKS)('%s has its timeout', (name) => {
    expect(state(name).TimeoutSeconds).toBe(name === States.verifySwap ? 840 : 60);
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

  it.each(ROLLBACK)('%s ends in RollbackFailed on any error', (name) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackError', Next: States.rollbackFailed }]);
  });

  it('ValidateInput and Preflight have none: a refusal ends the execution before any change (the Remediation branch around Preflight releases the lock)', () => {
    expect(state(States.validateInput).Catch).toBeUndefined();
    expect(state(States.preflight).Catch).toBeUndefined();
  });

  it('no other state catches', () => {
    const catching = [...machine.states].filter(([, s]) => s.Catch !== undefined).map(([name]) => name);
    expect(catching.sort()).toEqual([...GUARDED, ...ROLLBACK, States.requestApproval, States.requestApprovalVerifyApprover, SkeletonStates.remediation].sort());
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
    expect(verify).toMatchObject({ Type: 'Task', TimeoutSeconds: 60, ResultPath: '$.work.approval', Next: States.routeByInstanceState });
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

  it('RollbackFailed fails with the rollback error', () => {
    expect(state(States.rollbackFailed)).toEqual({ Type: 'Fail', Error: ErrorNames.rollbackFailed, CausePath: '$.work.rollbackError.Cause' });
  });

  it('every Wait waits the seconds the check it returns to computed', () => {
    const waits = [...machine.states].filter(([, s]) => s.Type === 'Wait');
    expect(waits.length).toBe(10);
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
  it('RouteByPlan: anything but PROCEED reports, approval asks first, otherwise straight on', () => {
    const route = state(States.routeByPlan);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [
        { Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport },
        { Variable: '$.request.approval', BooleanEquals: true, Next: States.requestApproval },
      ],
      Default: States.routeByInstanceState,
    });
  });

  it('RouteByInstanceState: a needed stop takes pre-copy snapshots, otherwise final snapshots', () => {
    const route = state(States.routeByInstanceState);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [{ Variable: '$.plan.needsStop', BooleanEquals: true, Next: States.preCopySnapshots }],
      Default: States.finalSnapshots,
    });
  });

  it('starts with ValidateInput, then the lock; the Remediation branch starts with Preflight', () => {
    expect(machine.asl.StartAt).toBe(States.validateInput);
    expect(state(States.validateInput).Next).toBe(SkeletonStates.routeByMode);
    expect(state(SkeletonStates.remediation).Branches?.map((b) => b.StartAt)).toEqual([States.preflight]);
  });

  it('every Next, Default and Choice target names an existing state', () => {
    const targets = [...machine.states.values()].flatMap((s) => [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next),
      ...(s.Catch ?? []).map((c) => c.Next)]).filter((t): t is string => typeof t === 'string');
    expect(targets.filter((t) => !machine.states.has(t))).toEqual([]);
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
