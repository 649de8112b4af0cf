import { timelineOf, toAuditRecord } from '../../cli/audit/model';
import { summaryLines } from '../../cli/audit/render';
import type { AuditEvent } from '../../cli/audit/source';
import { executionArnFor, workflowOf } from '../../cli/audit/source';
import { FAILED, FAILED_HISTORY, INSTANCE, MACHINE, OTHER_INSTANCE, REPORT, ROLLBACK_REPORT, RUNNING, SUCCEEDED, SUCCEEDED_HISTORY } from './fixtures';

const events = (history: typeof SUCCEEDED_HISTORY) => history as unknown as AuditEvent[];

describe('toAuditRecord', () => {
  it('takes workflow, target, trigger, outcome, times and actions of a succeeded execution from its input and report', () => {
    // Act
    const record = toAuditRecord(SUCCEEDED);

    // Assess
    expect(record).toEqual({
      executionArn: SUCCEEDED.executionArn,
      name: SUCCEEDED.name,
      workflow: 'encrypt-volumes',
      target: INSTANCE,
      trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:user/alice' },
      status: 'SUCCEEDED',
      outcome: 'REMEDIATED',
      startDate: SUCCEEDED.startDate,
      stopDate: SUCCEEDED.stopDate,
      durationMs: 66_000,
      actions: REPORT.actions,
    });
  });

  it('reads the rollback report from the cause of a RemediationRolledBack failure', () => {
    const record = toAuditRecord(FAILED);

    expect(record).toMatchObject({
      target: OTHER_INSTANCE,
      status: 'FAILED',
      outcome: 'RemediationRolledBack',
      error: 'RemediationRolledBack',
      rolledBackBecause: { error: 'VerificationFailedError', cause: '/dev/sdf is not encrypted' },
      trigger: { source: 'eventbridge', principal: 'arn:aws:sts::123456789012:assumed-role/ops/bob', eventId: 'evt-1' },
      actions: ROLLBACK_REPORT.actions,
      durationMs: 120_000,
    });
    expect(record.cause).toBeUndefined();
  });

  it('reads the per-device report and what to do from the cause of a RollbackFailedError', () => {
    // GIVEN FinishRollback's report as the cause: one device could not be put back
    const cause = JSON.stringify({
      ...ROLLBACK_REPORT, error: { Error: 'InstanceChangedError', Cause: 'instance is running' },
      whatToDo: ['/dev/sdf: attach vol-0aaaaaaaaaaaaaaa1 at /dev/sdf of i-1 once it is stopped', 'start i-1 once every device above is back'],
    });

    // WHEN the execution is read
    const record = toAuditRecord({ ...FAILED, error: 'RollbackFailedError', cause });

    // THEN the original failure, the actions and each step a person must take are there, not the raw JSON
    expect(record).toMatchObject({
      outcome: 'RollbackFailedError', rolledBackBecause: { error: 'InstanceChangedError', cause: 'instance is running' }, actions: ROLLBACK_REPORT.actions,
      whatToDo: ['/dev/sdf: attach vol-0aaaaaaaaaaaaaaa1 at /dev/sdf of i-1 once it is stopped', 'start i-1 once every device above is back'],
    });
    expect(record.cause).toBeUndefined();
    expect(summaryLines(record).slice(-3)).toEqual([
      'rollback INCOMPLETE after InstanceChangedError: instance is running',
      'to do      /dev/sdf: attach vol-0aaaaaaaaaaaaaaa1 at /dev/sdf of i-1 once it is stopped',
      'to do      start i-1 once every device above is back',
    ]);
  });

  it('reads the kept change and the one step to take from the cause of an InstanceNotRestartedError', () => {
    const cause = JSON.stringify({ ...REPORT, outcome: 'REMEDIATED', notRestarted: { instanceId: 'i-1', whatToDo: 'start i-1 when EC2 has capacity' } });

    const record = toAuditRecord({ ...FAILED, error: 'InstanceNotRestartedError', cause });

    expect(record).toMatchObject({ outcome: 'InstanceNotRestartedError', actions: REPORT.actions, whatToDo: ['start i-1 when EC2 has capacity'] });
    expect(record.cause).toBeUndefined();
    expect(record.rolledBackBecause).toBeUndefined();
  });

  it('keeps the error and cause of any other failure, and has no actions', () => {
    const record = toAuditRecord({ ...FAILED, error: 'PreconditionFailedError', cause: 'instance is tagged remediation:exclude=true' });

    expect(record).toMatchObject({ outcome: 'PreconditionFailedError', error: 'PreconditionFailedError', cause: 'instance is tagged remediation:exclude=true', actions: [] });
    expect(record.rolledBackBecause).toBeUndefined();
  });

  it('reports a running execution without stop date or duration', () => {
    const record = toAuditRecord(RUNNING);

    expect(record).toMatchObject({ status: 'RUNNING', outcome: 'RUNNING', target: INSTANCE, trigger: { source: 'console' }, actions: [] });
    expect(record.stopDate).toBeUndefined();
    expect(record.durationMs).toBeUndefined();
  });

  it('takes the target from the report when the input has no instanceId, and the trigger (parent, starter) as the report proved it', () => {
    const proven = { source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: 'e-9', parentExecution: 'arn:parent', startedBy: 'arn:aws:sts::123456789012:assumed-role/triage/x', verified: true };
    const record = toAuditRecord({
      ...SUCCEEDED,
      input: JSON.stringify({ trigger: { source: 'eventbridge', principal: 'arn:aws:iam::123456789012:role/ciso', eventId: 'e-9', parentExecution: 'arn:parent' } }),
      output: JSON.stringify({ ...REPORT, target: 'vpc-0123', trigger: proven }),
    });

    expect(record.target).toBe('vpc-0123');
    expect(record.trigger).toEqual({
      source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: 'e-9', parentExecution: 'arn:parent', startedBy: 'arn:aws:sts::123456789012:assumed-role/triage/x',
    });
  });

  it('a trigger only the input names, or the report marks claimed, stays claimed', () => {
    const failed = toAuditRecord({ ...SUCCEEDED, status: 'FAILED', output: undefined, input: JSON.stringify({ trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:role/ciso' } }) });
    const claimed = toAuditRecord({ ...SUCCEEDED, output: JSON.stringify({ ...REPORT, trigger: { source: 'console', principal: 'carol', claimed: true } }) });

    expect(failed.trigger).toEqual({ source: 'cli', principal: 'arn:aws:iam::123456789012:role/ciso', claimed: true });
    expect(claimed.trigger).toEqual({ source: 'console', principal: 'carol', claimed: true });
  });
});

describe('timelineOf', () => {
  it('lists each state entered -> exited with its duration, retries and errors', () => {
    const timeline = timelineOf(events(SUCCEEDED_HISTORY));

    expect(timeline.map(({ state, stateType, durationMs, retries, errors, result }) => ({ state, stateType, durationMs, retries, errors, result }))).toEqual([
      { state: 'ValidateInput', stateType: 'Task', durationMs: 400, retries: 0, errors: [], result: 'succeeded' },
      { state: 'Preflight', stateType: 'Task', durationMs: 4000, retries: 1, errors: ['RequestLimitExceeded'], result: 'succeeded' },
      { state: 'WaitSnapshots', stateType: 'Wait', durationMs: 60_000, retries: 0, errors: [], result: 'succeeded' },
      { state: 'BuildReport', stateType: 'Task', durationMs: 1000, retries: 0, errors: [], result: 'succeeded' },
    ]);
    expect(timeline[1]?.enteredAt).toEqual(new Date('2026-11-27T10:00:01Z'));
    expect(timeline[1]?.exitedAt).toEqual(new Date('2026-11-27T10:00:05Z'));
  });

  it('marks the state whose error was caught into rollback, and the Fail state, as failed', () => {
    const timeline = timelineOf(events(FAILED_HISTORY));

    expect(timeline.map((e) => [e.state, e.result, e.errors.join(',')])).toEqual([
      ['Preflight', 'succeeded', ''],
      ['VerifySwap', 'failed', 'VerificationFailedError'],
      ['FinishRollback', 'succeeded', ''],
      ['RolledBack', 'failed', ''],
    ]);
    expect(timeline[1]?.exitedAt).toBeUndefined();
  });

  it('ties events to their state through previousEventId when Map iterations interleave', () => {
    const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s));
    const history: AuditEvent[] = [
      { id: 1, previousEventId: 0, timestamp: t(0), type: 'MapIterationStarted', mapIterationEventDetails: { name: 'Swap', index: 0 } },
      { id: 2, previousEventId: 0, timestamp: t(0), type: 'MapIterationStarted', mapIterationEventDetails: { name: 'Swap', index: 1 } },
      { id: 3, previousEventId: 1, timestamp: t(1), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'SwapVolume' } },
      { id: 4, previousEventId: 2, timestamp: t(1), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'SwapVolume' } },
      { id: 5, previousEventId: 4, timestamp: t(2), type: 'LambdaFunctionScheduled' },
      { id: 6, previousEventId: 3, timestamp: t(2), type: 'LambdaFunctionScheduled' },
      { id: 7, previousEventId: 5, timestamp: t(3), type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'InternalError' } },
      { id: 8, previousEventId: 6, timestamp: t(3), type: 'LambdaFunctionSucceeded' },
      { id: 9, previousEventId: 8, timestamp: t(4), type: 'TaskStateExited', stateExitedEventDetails: { name: 'SwapVolume' } },
      { id: 10, previousEventId: 7, timestamp: t(5), type: 'LambdaFunctionScheduled' },
      { id: 11, previousEventId: 10, timestamp: t(9), type: 'LambdaFunctionSucceeded' },
      { id: 12, previousEventId: 11, timestamp: t(9), type: 'TaskStateExited', stateExitedEventDetails: { name: 'SwapVolume' } },
    ];

    const timeline = timelineOf(history);

    expect(timeline.map((e) => [e.durationMs, e.retries, e.errors])).toEqual([
      [3000, 0, []],
      [8000, 1, ['InternalError']],
    ]);
  });
});

describe('state machine and execution names', () => {
  it('maps our state machines to workflows and ignores others', () => {
    expect(workflowOf(MACHINE)).toBe('encrypt-volumes');
    expect(workflowOf('remediation-enable-flow-logs')).toBe('enable-flow-logs');
    expect(workflowOf('arn:aws:states:us-east-1:123456789012:stateMachine:billing-etl')).toBeUndefined();
  });

  it('builds an execution ARN from a name under the workflow with the longest matching prefix', () => {
    const machines = [
      { workflow: 'encrypt', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:remediation-encrypt' },
      { workflow: 'encrypt-volumes', stateMachineArn: MACHINE },
    ];

    expect(executionArnFor(SUCCEEDED.name, machines)).toBe(SUCCEEDED.executionArn);
    expect(executionArnFor('enable-config-account-20261127T100000Z', machines)).toBeUndefined();
  });
});
