import { ENABLE_FLOW_LOGS_TASK_SPECS } from '../../infra/workflows/enable-flow-logs';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { LOCK_TASK_SPECS } from '../../infra/kit/lock';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { MAP_CONCURRENCY, States, type EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { fakeArn, parseStateMachine, stateNamed, type AslState, type ParsedStateMachine } from './definition';
import { removeFlowLogsAssembly, synthFlowLogsStack, type FlowLogsSynth } from './enable-flow-logs-synth';
import { resourcesOf } from './synth';

const TASK_STATES: Record<string, EnableFlowLogsTask> = {
  [States.validateInput]: 'validate-flow-logs-input',
  [States.planFlowLogs]: 'plan-flow-logs',
  [States.createFlowLog]: 'create-flow-log',
  [States.checkFlowLogs]: 'check-flow-logs',
  [States.removeCreatedFlowLogs]: 'remove-created-flow-logs',
  [States.buildReport]: 'build-flow-logs-report',
};
// The kit's lock steps around the workflow's own, and the handler each invokes.
const TASK_ENTRIES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(TASK_STATES).map(([name, task]) => [name, ENABLE_FLOW_LOGS_TASK_SPECS[task].entry])),
  [SkeletonStates.acquireLock]: LOCK_TASK_SPECS['acquire-lock'].entry,
  [SkeletonStates.releaseLock]: LOCK_TASK_SPECS['release-lock'].entry,
  [SkeletonStates.releaseLockAfterFailure]: LOCK_TASK_SPECS['release-lock'].entry,
};
const TASKS = Object.keys(TASK_ENTRIES);
const EXPECTED_RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

let synth: FlowLogsSynth;
let machine: ParsedStateMachine;
const state = (name: string): AslState => stateNamed(machine.states, name);

beforeAll(() => {
  synth = synthFlowLogsStack({ bundle: false });
  machine = parseStateMachine(synth.template);
});
afterAll(() => removeFlowLogsAssembly(synth));

describe('enable-flow-logs state machine', () => {
  it('is a Standard JSONPath machine named remediation-enable-flow-logs with a 2-hour timeout, logging ALL and tracing', () => {
    expect(machine.asl).toMatchObject({ StartAt: States.validateInput, TimeoutSeconds: 7200, QueryLanguage: 'JSONPath' });
    expect(machine.properties).toMatchObject({
      StateMachineName: 'remediation-enable-flow-logs', StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });

  it('has exactly the expected Task states', () => {
    expect([...machine.states].filter(([, s]) => s.Type === 'Task').map(([name]) => name).sort()).toEqual([...TASKS].sort());
  });

  it.each(TASKS)('%s retries transient errors and one timeout only, within 60 s', (name) => {
    expect(state(name).Retry).toEqual(EXPECTED_RETRY);
    expect(state(name).TimeoutSeconds).toBe(60);
  });

  it.each(TASKS)('%s invokes the function of its task', (name) => {
    const functions = resourcesOf(synth.template, 'AWS::Lambda::Function');
    const [logicalId] = Object.entries(functions).find(([id]) => fakeArn(id) === state(name).Resource) ?? [];
    expect(logicalId && functions[logicalId]?.Metadata?.[HANDLER_METADATA]).toBe(TASK_ENTRIES[name]);
  });

  it('catches only after the first change: the Map and the verify poll go to the cleanup, the cleanup to CleanupFailed (and the kit releases the lock)', () => {
    const catching = Object.fromEntries([...machine.states].filter(([, s]) => s.Catch !== undefined).map(([name, s]) => [name, s.Catch]));
    expect(catching).toEqual({
      [States.createFlowLogs]: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.removeCreatedFlowLogs }],
      [States.checkFlowLogs]: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.removeCreatedFlowLogs }],
      [States.removeCreatedFlowLogs]: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.cleanupError', Next: States.cleanupFailed }],
      [SkeletonStates.remediation]: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: SkeletonStates.releaseLockAfterFailure }],
    });
  });

  it('creates flow logs in a Map of bounded concurrency over the planned VPCs', () => {
    expect(state(States.createFlowLogs)).toMatchObject({
      Type: 'Map', ItemsPath: '$.plan.toCreate', MaxConcurrency: MAP_CONCURRENCY, ResultPath: '$.work.created',
      ItemSelector: { 'vpcId.$': '$$.Map.Item.Value.vpcId', 'request.$': '$.request', 'executionName.$': '$.execution.name' },
      Next: States.checkFlowLogs,
    });
    expect(MAP_CONCURRENCY).toBe(1);
  });

  it('routes the plan: only PROCEED creates, NO_ACTION and PLANNED go straight to the report', () => {
    expect(state(States.routeByPlan)).toEqual({
      Type: 'Choice',
      Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }],
      Default: States.createFlowLogs,
    });
  });

  it('verifies in a poll loop: pending waits SecondsPath, error records the VerificationFailedError, completed reports', () => {
    expect(state(States.routeFlowLogs)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.verification.status', StringEquals: 'pending', Next: States.waitFlowLogs },
        { Variable: '$.work.verification.status', StringEquals: 'error', Next: States.recordVerificationError },
      ],
      Default: States.buildReport,
    });
    expect(state(States.waitFlowLogs)).toEqual({ Type: 'Wait', SecondsPath: '$.work.verification.waitSeconds', Next: States.checkFlowLogs });
    expect(state(States.recordVerificationError)).toEqual({
      Type: 'Pass', ResultPath: '$.work.error', Next: States.removeCreatedFlowLogs,
      Parameters: { 'Error.$': '$.work.verification.error.Error', 'Cause.$': '$.work.verification.error.Cause' },
    });
  });

  it('fails with the original error and a cause saying what was removed; a failed cleanup with RollbackFailedError', () => {
    expect(state(States.removeCreatedFlowLogs).Next).toBe(States.flowLogsFailed);
    expect(state(States.flowLogsFailed)).toEqual({ Type: 'Fail', ErrorPath: '$.work.cleanup.error', CausePath: '$.work.cleanup.cause' });
    expect(state(States.cleanupFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.cleanupError.Cause' });
  });
});
