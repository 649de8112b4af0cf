import { answerTaskToken, pendingTask, storeApprover } from '../../local/approvals';
import { toHistory } from '../../local/history';
import type { LocalEvent, runWorkflow as RunWorkflow } from '../../local/runner';
import { loadExecutions, localStoreDir, saveExecution, stateMachineArnOf, type StoredExecution } from '../../local/store';
import type { PendingApproval } from './approval';
import {
  ExecutionNotFoundError,
  workflowOf,
  type AuditEvent,
  type ExecutionDetail,
  type ExecutionQuery,
  type ExecutionSource,
  type ExecutionSummary,
  type StartRequest,
  type StateMachineRef,
  type TaskAnswer,
  withTriggerProof,
} from './source';

export const NO_ENDPOINT_MESSAGE =
  '--local needs the emulator: start one with `remediate local up` (or set AWS_ENDPOINT_URL to a running moto server)';

const toAuditEvents = (events: StoredExecution['history']): AuditEvent[] =>
  events.map((e) => ({ ...e, timestamp: new Date(e.timestamp) }));

function toDetail(stored: StoredExecution): ExecutionDetail {
  const detail: ExecutionDetail = {
    executionArn: stored.executionArn,
    stateMachineArn: stored.stateMachineArn,
    name: stored.name,
    status: stored.status,
    startDate: new Date(stored.startDate),
    input: stored.input,
  };
  if (stored.stopDate) detail.stopDate = new Date(stored.stopDate);
  for (const key of ['output', 'error', 'cause'] as const) if (stored[key] !== undefined) detail[key] = stored[key];
  return detail;
}

/** The principal the CLI put in a rejection's cause (a claim: a rejection needs no proof). */
function principalOfCause(cause: string): { principal?: string } {
  try {
    const principal = (JSON.parse(cause) as { principal?: unknown }).principal;
    return typeof principal === 'string' ? { principal } : {};
  } catch {
    return {};
  }
}

/** The local runner: executions run in-process against moto and are read back from local/store.ts. */
export class LocalExecutionSource implements ExecutionSource {
  readonly kind = 'local' as const;

  constructor(
    private readonly dir = localStoreDir(),
    private readonly run?: typeof RunWorkflow,
  ) {}

  private stored(): StoredExecution[] {
    return loadExecutions(this.dir);
  }

  async stateMachines(): Promise<StateMachineRef[]> {
    const arns = new Set(this.stored().map((e) => e.stateMachineArn));
    return [...arns].map((stateMachineArn) => ({ workflow: workflowOf(stateMachineArn) as string, stateMachineArn })).filter((m) => m.workflow);
  }

  async listExecutions(query: ExecutionQuery): Promise<ExecutionSummary[]> {
    return this.stored()
      .map(toDetail)
      .filter((e) => !query.workflow || workflowOf(e.stateMachineArn) === query.workflow)
      .filter((e) => !query.status || e.status === query.status)
      .filter((e) => !query.since || e.startDate >= query.since)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  private find(execution: string): StoredExecution {
    const found = this.stored().find((e) => e.name === execution || e.executionArn === execution);
    if (!found) throw new ExecutionNotFoundError(execution);
    return found;
  }

  async describe(execution: string): Promise<ExecutionDetail> {
    return toDetail(this.find(execution));
  }

  async history(executionArn: string): Promise<AuditEvent[]> {
    return toAuditEvents(this.find(executionArn).history);
  }

  /** Runs the workflow to its end (the local runner has no background), then stores it. */
  async start(request: StartRequest): Promise<string> {
    if (!process.env.AWS_ENDPOINT_URL) throw new Error(NO_ENDPOINT_MESSAGE);
    // The runner synthesizes the stack and its handlers create clients on load: only now, with the endpoint set.
    // require, not import(): the bin loads TypeScript through tsx's CommonJS hook only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const run = this.run ?? (require('../../local/runner') as typeof import('../../local/runner')).runWorkflow;
    const events: LocalEvent[] = [];
    let reported = 0;
    const onEvent = (event: LocalEvent) => {
      events.push(event);
      if (!request.onHistory) return;
      const history = toHistory({ events, input: request.input });
      if (history.length > reported) request.onHistory(toAuditEvents(history.slice(reported)));
      reported = history.length;
    };
    const dir = this.dir;
    // Two shells starting the same workflow on the same target in the same second: Step Functions refuses the second.
    if (this.stored().some((e) => e.name === request.name)) {
      throw Object.assign(new Error(`Execution Already Exists: '${request.name}'`), { name: 'ExecutionAlreadyExists' });
    }
    const onWaiting = request.onWaitingForAnswer;
    // An approval waits for `remediate approve|reject --local` in another shell.
    const approver = storeApprover(dir, onWaiting ? { onWaiting: (p) => onWaiting({ execution: p.execution, state: p.state, taskToken: p.taskToken, scheduledAt: new Date(p.requestedAt) }) } : {});
    const input = await withTriggerProof(request, stateMachineArnOf(request.workflow));
    const execution = await run(request.workflow, input, { executionName: request.name, onEvent, approver, store: (e) => saveExecution(e, dir) });
    return `${stateMachineArnOf(execution.workflow).replace(':stateMachine:', ':execution:')}:${execution.name}`;
  }

  async stop(): Promise<void> {
    throw new Error('local executions run to their end in the command that starts them; there is nothing to stop');
  }

  async pendingApproval(execution: ExecutionDetail): Promise<PendingApproval | undefined> {
    const pending = pendingTask(this.dir, execution.name);
    return pending && { state: pending.state, taskToken: pending.taskToken, scheduledAt: new Date(pending.requestedAt) };
  }

  /** Writes the answer where the waiting runner looks: the approval with its identity proof, which the workflow verifies. */
  async answerTask(taskToken: string, answer: TaskAnswer): Promise<void> {
    answerTaskToken(this.dir, taskToken, answer.approved ? { ...answer.output, approved: true } : { approved: false, reason: answer.reason, ...principalOfCause(answer.cause) });
  }
}
