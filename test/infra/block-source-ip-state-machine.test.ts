import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { BLOCK_SOURCE_IP_TASK_SPECS } from '../../infra/workflows/block-source-ip';
import { UNBLOCK_SOURCE_IP_TASK_SPECS } from '../../infra/workflows/unblock-source-ip';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { States } from '../../workflows/block-source-ip';
import { States as UnblockStates } from '../../workflows/unblock-source-ip';
import { fakeArn, parseStateMachine, stateNamed, type ParsedStateMachine } from './definition';
import { ENV, resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

let synth: SynthesizedTemplate;
let block: ParsedStateMachine;
let unblock: ParsedStateMachine;
/** The function whose handler is `entry`, in the construct `prefix`, as the definition's fake ARN. */
const fnOf = (prefix: string, entry: string): string => {
  const ids = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))
    .filter(([id, fn]) => id.startsWith(prefix) && fn.Metadata?.[HANDLER_METADATA] === entry).map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${prefix} function for ${entry}, found ${ids.length}`);
  return fakeArn(ids[0]!);
};
const UNDO = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.undoBlocks }];
const task = (resource: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: resource, Retry: RETRY, TimeoutSeconds: 60, ...fields });

beforeAll(() => {
  synth = sharedRemediationTemplate();
  block = parseStateMachine(synth.template, 'remediation-block-source-ip');
  unblock = parseStateMachine(synth.template, 'remediation-unblock-source-ip');
});

describe('block-source-ip state machine', () => {
  it('is a Standard JSONPath machine with a 365-day timeout (an expiry is at most 364 days away)', () => {
    expect(block.asl).toMatchObject({ StartAt: States.validateInput, TimeoutSeconds: 365 * 86400, QueryLanguage: 'JSONPath' });
    expect(block.properties).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true } });
  });

  it('takes the NACL lock, shared with unblock-source-ip', () => {
    for (const machine of [block, unblock]) {
      expect((stateNamed(machine.states, 'AcquireLock').Parameters as Record<string, unknown>)['target.$']).toBe('$.lockTarget');
    }
  });

  it('applies, then verifies, then reports', () => {
    const P = 'BlockSourceIp';
    expect(stateNamed(block.states, States.applyBlocks)).toEqual(task(fnOf(P, BLOCK_SOURCE_IP_TASK_SPECS['apply-blocks'].entry), {
      Parameters: { 'plan.$': '$.plan', 'execution.$': '$.execution' }, ResultPath: '$.work.applied', Next: States.verifyBlocks, Catch: UNDO,
    }));
    expect(stateNamed(block.states, States.verifyBlocks)).toEqual(task(fnOf(P, BLOCK_SOURCE_IP_TASK_SPECS['verify-blocks'].entry), {
      Parameters: { 'block.$': '$.plan' }, ResultPath: '$.work.verified', Next: States.buildReport, Catch: UNDO,
    }));
  });

  it('a failure after the first change is undone, then the execution fails with the undo\'s error and cause', () => {
    expect(stateNamed(block.states, States.undoBlocks)).toEqual(task(fnOf('BlockSourceIp', BLOCK_SOURCE_IP_TASK_SPECS['undo-blocks'].entry), {
      Parameters: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, ResultPath: '$.work.undo', Next: States.blockRolledBack,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.undoError', Next: States.undoFailed }],
    }));
    expect(stateNamed(block.states, States.blockRolledBack)).toEqual({ Type: 'Fail', ErrorPath: '$.work.undo.error', CausePath: '$.work.undo.cause' });
    expect(stateNamed(block.states, States.undoFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.undoError.Cause' });
  });

  it('asks for approval when the input says so or the plan requires it (the approval threshold)', () => {
    expect(stateNamed(block.states, States.routeByPlan)).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport },
        { Or: [{ Variable: '$.request.approval', BooleanEquals: true }, { Variable: '$.plan.approvalRequired', BooleanEquals: true }], Next: 'RequestApproval' },
      ],
      Default: States.applyBlocks,
    });
  });

  it('waits for the expiry after the lock is released, then starts the removal', () => {
    expect(stateNamed(block.states, States.releaseLock).Next).toBe(States.routeByExpiry);
    expect(stateNamed(block.states, States.routeByExpiry)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.expiry.wakeAt', IsPresent: true, Next: States.waitUntilExpiry }], Default: States.done,
    });
    expect(stateNamed(block.states, States.waitUntilExpiry)).toEqual({ Type: 'Wait', TimestampPath: '$.expiry.wakeAt', Next: States.startExpiry });
    expect(stateNamed(block.states, States.startExpiry)).toEqual(task(fnOf('BlockSourceIp', BLOCK_SOURCE_IP_TASK_SPECS['start-block-expiry'].entry), {
      Parameters: { 'executionName.$': '$$.Execution.Name', 'executionArn.$': '$$.Execution.Id' }, ResultPath: '$.expiry.removal', Next: States.done,
    }));
  });

  it('hands start-block-expiry the unblock state machine', () => {
    const fn = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))
      .find(([id, f]) => id.startsWith('BlockSourceIp') && f.Metadata?.[HANDLER_METADATA] === BLOCK_SOURCE_IP_TASK_SPECS['start-block-expiry'].entry)?.[1];
    expect((fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.UNBLOCK_STATE_MACHINE_ARN).toEqual({ Ref: unblock.logicalId });
  });
});

describe('unblock-source-ip state machine', () => {
  it('hands stop-block-executions the ARN prefix of block-source-ip\'s executions (by name: a Ref would be a cycle)', () => {
    const fn = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))
      .find(([id, f]) => id.startsWith('UnblockSourceIp') && f.Metadata?.[HANDLER_METADATA] === UNBLOCK_SOURCE_IP_TASK_SPECS['stop-block-executions'].entry)?.[1];
    expect((fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.BLOCK_EXECUTION_ARN_PREFIX).toBe(
      `arn:aws:states:${ENV.region}:${ENV.account}:execution:remediation-block-source-ip:`,
    );
  });

  it('is a Standard JSONPath machine with a 1-hour timeout', () => {
    expect(unblock.asl).toMatchObject({ StartAt: UnblockStates.validateInput, TimeoutSeconds: 3600, QueryLanguage: 'JSONPath' });
  });

  it('removes, then verifies, then stops the block executions left with nothing to remove, then reports', () => {
    const P = 'UnblockSourceIp';
    expect(stateNamed(unblock.states, UnblockStates.removeBlocks)).toEqual(task(fnOf(P, UNBLOCK_SOURCE_IP_TASK_SPECS['remove-blocks'].entry), {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.removed', Next: UnblockStates.verifyUnblocked,
    }));
    expect(stateNamed(unblock.states, UnblockStates.verifyUnblocked)).toEqual(task(fnOf(P, UNBLOCK_SOURCE_IP_TASK_SPECS['verify-unblocked'].entry), {
      Parameters: { 'unblock.$': '$.plan' }, ResultPath: '$.work.verified', Next: UnblockStates.stopBlockExecutions,
    }));
    expect(stateNamed(unblock.states, UnblockStates.stopBlockExecutions)).toEqual(task(fnOf(P, UNBLOCK_SOURCE_IP_TASK_SPECS['stop-block-executions'].entry), {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan' }, ResultPath: '$.work.blockExecutions', Next: UnblockStates.buildReport,
    }));
    expect(stateNamed(unblock.states, UnblockStates.routeByPlan)).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: UnblockStates.buildReport }], Default: UnblockStates.removeBlocks,
    });
  });
});
