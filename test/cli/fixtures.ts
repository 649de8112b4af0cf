import type { ExecutionListItem, ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const INSTANCE = 'i-0123456789abcdef0';
export const OTHER_INSTANCE = 'i-0fedcba9876543210';
export const MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:remediation-encrypt-volumes`;
export const executionArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:remediation-encrypt-volumes:${name}`;

export const SUCCEEDED_NAME = `encrypt-volumes-${INSTANCE}-20261127T100000Z`;
export const FAILED_NAME = `encrypt-volumes-${OTHER_INSTANCE}-20261126T090000Z`;
export const RUNNING_NAME = `encrypt-volumes-${INSTANCE}-20261127T110000Z`;

const at = (base: string, seconds: number) => new Date(new Date(base).getTime() + seconds * 1000);

type Step = [type: string, seconds: number, details?: Record<string, unknown>];

/** A GetExecutionHistory answer: ids from 1, each event linked to the one before (a sequential execution). */
export function history(start: string, steps: Step[]): HistoryEvent[] {
  return steps.map(([type, seconds, details], i) => ({ id: i + 1, previousEventId: i, timestamp: at(start, seconds), type, ...details }) as HistoryEvent);
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name, input: '{}' } });
const exited = (name: string) => ({ stateExitedEventDetails: { name, output: '{}' } });
const lambdaTask = (name: string, from: number, to: number): Step[] => [
  ['TaskStateEntered', from, entered(name)],
  ['LambdaFunctionScheduled', from, { lambdaFunctionScheduledEventDetails: { resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` } }],
  ['LambdaFunctionStarted', from],
  ['LambdaFunctionSucceeded', to, { lambdaFunctionSucceededEventDetails: { output: '{}' } }],
  ['TaskStateExited', to, exited(name)],
];

export const REPORT = {
  workflow: 'encrypt-volumes',
  target: INSTANCE,
  execution: SUCCEEDED_NAME,
  outcome: 'REMEDIATED',
  mode: 'apply',
  // As ValidateInput reports a trigger whose start proof verified (docs/approval.md "Trigger provenance").
  trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:user/alice', verified: true },
  startedAt: '2026-11-27T10:00:00.000Z',
  finishedAt: '2026-11-27T10:01:06.000Z',
  actions: [
    { action: 'stop-instance', resourceId: INSTANCE, before: { state: 'running' }, after: { state: 'stopped' }, at: '2026-11-27T10:00:30.000Z' },
    {
      action: 'replace-volume', resourceId: 'vol-0aaaaaaaaaaaaaaa1', before: { volumeId: 'vol-0aaaaaaaaaaaaaaa1', device: '/dev/sda1', encrypted: false },
      after: { volumeId: 'vol-0bbbbbbbbbbbbbbb2', device: '/dev/sda1', encrypted: true }, at: '2026-11-27T10:01:00.000Z',
    },
  ],
};

/** Succeeded: Preflight throttled once and retried, a poll Wait of a minute. */
export const SUCCEEDED_HISTORY = history('2026-11-27T10:00:00Z', [
  ['ExecutionStarted', 0, { executionStartedEventDetails: { input: '{}' } }],
  ...lambdaTask('ValidateInput', 0.1, 0.5),
  ['TaskStateEntered', 1, entered('Preflight')],
  ['LambdaFunctionScheduled', 1, { lambdaFunctionScheduledEventDetails: { resource: 'preflight' } }],
  ['LambdaFunctionStarted', 1],
  ['LambdaFunctionFailed', 2, { lambdaFunctionFailedEventDetails: { error: 'RequestLimitExceeded', cause: 'Request limit exceeded.' } }],
  ['LambdaFunctionScheduled', 4, { lambdaFunctionScheduledEventDetails: { resource: 'preflight' } }],
  ['LambdaFunctionStarted', 4],
  ['LambdaFunctionSucceeded', 5, { lambdaFunctionSucceededEventDetails: { output: '{}' } }],
  ['TaskStateExited', 5, exited('Preflight')],
  ['WaitStateEntered', 5, entered('WaitSnapshots')],
  ['WaitStateExited', 65, exited('WaitSnapshots')],
  ...lambdaTask('BuildReport', 65, 66),
  ['ExecutionSucceeded', 66, { executionSucceededEventDetails: { output: JSON.stringify(REPORT) } }],
]);

export const ROLLBACK_REPORT = {
  workflow: 'encrypt-volumes',
  target: OTHER_INSTANCE,
  outcome: 'ROLLED_BACK',
  error: { Error: 'VerificationFailedError', Cause: '/dev/sdf is not encrypted' },
  actions: [{ action: 'restore-original-volume', resourceId: 'vol-0ccccccccccccccc3', after: { device: '/dev/sdf', attachedTo: OTHER_INSTANCE }, at: '2026-11-26T09:02:00.000Z' }],
};

/** Failed: VerifySwap found an unencrypted device, the rollback ran, RemediationRolledBack. */
export const FAILED_HISTORY = history('2026-11-26T09:00:00Z', [
  ['ExecutionStarted', 0, { executionStartedEventDetails: { input: '{}' } }],
  ...lambdaTask('Preflight', 0, 1),
  ['TaskStateEntered', 60, entered('VerifySwap')],
  ['LambdaFunctionScheduled', 60, { lambdaFunctionScheduledEventDetails: { resource: 'verify' } }],
  ['LambdaFunctionStarted', 60],
  ['LambdaFunctionFailed', 61, { lambdaFunctionFailedEventDetails: { error: 'VerificationFailedError', cause: '/dev/sdf is not encrypted' } }],
  ...lambdaTask('FinishRollback', 119, 120),
  ['FailStateEntered', 120, entered('RolledBack')],
  ['ExecutionFailed', 120, { executionFailedEventDetails: { error: 'RemediationRolledBack', cause: JSON.stringify(ROLLBACK_REPORT) } }],
]);

export const SUCCEEDED = {
  executionArn: executionArn(SUCCEEDED_NAME), stateMachineArn: MACHINE, name: SUCCEEDED_NAME, status: 'SUCCEEDED' as const,
  startDate: new Date('2026-11-27T10:00:00Z'), stopDate: new Date('2026-11-27T10:01:06Z'),
  input: JSON.stringify({ instanceId: INSTANCE, allowStop: true, trigger: REPORT.trigger }), output: JSON.stringify(REPORT),
};

export const FAILED = {
  executionArn: executionArn(FAILED_NAME), stateMachineArn: MACHINE, name: FAILED_NAME, status: 'FAILED' as const,
  startDate: new Date('2026-11-26T09:00:00Z'), stopDate: new Date('2026-11-26T09:02:00Z'),
  input: JSON.stringify({ instanceId: OTHER_INSTANCE, allowStop: true, trigger: { source: 'eventbridge', principal: 'arn:aws:sts::123456789012:assumed-role/ops/bob', eventId: 'evt-1' } }),
  error: 'RemediationRolledBack', cause: JSON.stringify(ROLLBACK_REPORT),
};

export const RUNNING = {
  executionArn: executionArn(RUNNING_NAME), stateMachineArn: MACHINE, name: RUNNING_NAME, status: 'RUNNING' as const,
  startDate: new Date('2026-11-27T11:00:00Z'), input: JSON.stringify({ instanceId: INSTANCE, trigger: { source: 'console' } }),
};

interface Described { executionArn: string; stateMachineArn: string; name: string; status: ExecutionStatus; startDate: Date; stopDate?: Date }
/** The ListExecutions item of a described execution. */
export const summaryOf = (e: Described): ExecutionListItem =>
  ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate, ...(e.stopDate ? { stopDate: e.stopDate } : {}) });
