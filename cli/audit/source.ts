import type { PendingApproval } from './approval';

/**
 * Where executions come from: Step Functions (AWS) or the local runner's store. Both answer in the
 * shape of DescribeExecution / GetExecutionHistory, so the audit model reads one shape.
 */
import { STATE_MACHINE_PREFIX } from '../../tasks/lib/names';

export { STATE_MACHINE_PREFIX };

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
export const EXECUTION_STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

export interface StateMachineRef {
  workflow: string;
  stateMachineArn: string;
}

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

/** DescribeExecution's fields the audit uses. */
export interface ExecutionDetail extends ExecutionSummary {
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** One GetExecutionHistory event; `*EventDetails` fields are kept as the API names them. */
export interface AuditEvent {
  id: number;
  previousEventId?: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionQuery {
  workflow?: string;
  status?: ExecutionStatus;
  /** Only executions started at or after this time. */
  since?: Date;
}

export interface StartRequest {
  workflow: string;
  name: string;
  input: Record<string, unknown>;
  /**
   * Proves who starts it (tasks/lib/identity/trigger.ts): called with the execution's ARN before
   * StartExecution, its proof goes into the input's `trigger`.
   */
  proveTrigger?: (executionArn: string) => Promise<{ url: string }>;
  /** Local runs report history as it grows (AWS is polled instead). */
  onHistory?: (events: AuditEvent[]) => void;
  /** Local runs say when they wait for a task token (an approval) that another process can answer. */
  onWaitingForAnswer?: (waiting: PendingApproval & { execution: string }) => void;
}

export interface ExecutionSource {
  readonly kind: 'aws' | 'local';
  stateMachines(): Promise<StateMachineRef[]>;
  /** Newest first. */
  listExecutions(query: ExecutionQuery): Promise<ExecutionSummary[]>;
  /** By execution name or ARN. */
  describe(execution: string): Promise<ExecutionDetail>;
  history(executionArn: string): Promise<AuditEvent[]>;
  /** Returns the execution ARN. */
  start(request: StartRequest): Promise<string>;
  stop(executionArn: string, error: string, cause: string): Promise<void>;
  /** The task token (approval) the execution waits for, if any. */
  pendingApproval(execution: ExecutionDetail): Promise<PendingApproval | undefined>;
  /** Answers a task token (the approval gate): SendTaskSuccess or SendTaskFailure. */
  answerTask(taskToken: string, answer: TaskAnswer): Promise<void>;
}

export type TaskAnswer = { approved: true; output: Record<string, unknown> } | { approved: false; error: string; cause: string; reason: string };

export class ExecutionNotFoundError extends Error {
  constructor(execution: string) {
    super(`no execution named ${execution} in our state machines`);
    this.name = 'ExecutionNotFoundError';
  }
}

/** `remediation-encrypt-volumes` or its ARN -> `encrypt-volumes`; undefined when not one of ours. */
export function workflowOf(stateMachine: string): string | undefined {
  const name = stateMachine.split(':').pop() ?? '';
  return name.startsWith(STATE_MACHINE_PREFIX) ? name.slice(STATE_MACHINE_PREFIX.length) : undefined;
}

export const isExecutionArn = (value: string) => value.startsWith('arn:') && value.includes(':execution:');

/** The execution ARN of `name` (`<workflow>-<target>-<stamp>`) under the state machine whose workflow prefixes it. */
export function executionArnFor(name: string, machines: StateMachineRef[]): string | undefined {
  const owner = machines
    .filter((m) => name.startsWith(`${m.workflow}-`))
    .sort((a, b) => b.workflow.length - a.workflow.length)[0];
  return owner ? `${owner.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` : undefined;
}

/** The input with the starter's identity proof in its trigger (StartRequest.proveTrigger). */
export async function withTriggerProof(request: StartRequest, stateMachineArn: string): Promise<Record<string, unknown>> {
  if (!request.proveTrigger) return request.input;
  const proof = await request.proveTrigger(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:${request.name}`);
  return { ...request.input, trigger: { ...((request.input.trigger as Record<string, unknown> | undefined) ?? { source: 'cli' }), proof } };
}
