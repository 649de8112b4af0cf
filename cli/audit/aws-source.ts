import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { pendingApproval, type PendingApproval } from './approval';
import {
  ExecutionNotFoundError,
  executionArnFor,
  isExecutionArn,
  workflowOf,
  type AuditEvent,
  type ExecutionDetail,
  type ExecutionQuery,
  type ExecutionSource,
  type ExecutionStatus,
  type ExecutionSummary,
  type StartRequest,
  type StateMachineRef,
  type TaskAnswer,
  withTriggerProof,
} from './source';

/** Step Functions through the SDK: every list is paginated to the end (or to `since`). */
export class AwsExecutionSource implements ExecutionSource {
  readonly kind = 'aws' as const;
  private machines?: StateMachineRef[];

  constructor(private readonly sfn: SFNClient) {}

  async stateMachines(): Promise<StateMachineRef[]> {
    if (this.machines) return this.machines;
    const found: StateMachineRef[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new ListStateMachinesCommand({ nextToken }));
      for (const machine of page.stateMachines ?? []) {
        const workflow = workflowOf(machine.name ?? '');
        if (workflow && machine.stateMachineArn) found.push({ workflow, stateMachineArn: machine.stateMachineArn });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    this.machines = found;
    return found;
  }

  async listExecutions(query: ExecutionQuery): Promise<ExecutionSummary[]> {
    const machines = (await this.stateMachines()).filter((m) => !query.workflow || m.workflow === query.workflow);
    const all: ExecutionSummary[] = [];
    for (const machine of machines) {
      let nextToken: string | undefined;
      do {
        const page = await this.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn, statusFilter: query.status, nextToken }));
        let older = false;
        for (const e of page.executions ?? []) {
          const startDate = e.startDate as Date;
          // Step Functions lists newest first: past `since` nothing newer follows.
          if (query.since && startDate < query.since) {
            older = true;
            break;
          }
          all.push({
            executionArn: e.executionArn as string,
            stateMachineArn: e.stateMachineArn as string,
            name: e.name as string,
            status: e.status as ExecutionStatus,
            startDate,
            ...(e.stopDate ? { stopDate: e.stopDate } : {}),
          });
        }
        nextToken = older ? undefined : page.nextToken;
      } while (nextToken);
    }
    return all.sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  private async arnOf(execution: string): Promise<string> {
    if (isExecutionArn(execution)) return execution;
    const arn = executionArnFor(execution, await this.stateMachines());
    if (!arn) throw new ExecutionNotFoundError(execution);
    return arn;
  }

  async describe(execution: string): Promise<ExecutionDetail> {
    const executionArn = await this.arnOf(execution);
    let out;
    try {
      out = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') throw new ExecutionNotFoundError(execution);
      throw error;
    }
    const detail: ExecutionDetail = {
      executionArn: out.executionArn ?? executionArn,
      stateMachineArn: out.stateMachineArn as string,
      name: out.name as string,
      status: out.status as ExecutionStatus,
      startDate: out.startDate as Date,
    };
    if (out.stopDate) detail.stopDate = out.stopDate;
    for (const key of ['input', 'output', 'error', 'cause'] as const) if (out[key] !== undefined) detail[key] = out[key];
    return detail;
  }

  async history(executionArn: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true, maxResults: 1000, nextToken }));
      for (const e of page.events ?? []) events.push({ ...e, id: e.id as number, type: e.type as string, timestamp: e.timestamp as Date });
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async start(request: StartRequest): Promise<string> {
    const machine = (await this.stateMachines()).find((m) => m.workflow === request.workflow);
    if (!machine) throw new Error(`state machine remediation-${request.workflow} is not deployed in this account and region`);
    const input = await withTriggerProof(request, machine.stateMachineArn);
    const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: request.name, input: JSON.stringify(input) }));
    return out.executionArn as string;
  }

  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    await this.sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
  }

  async pendingApproval(execution: ExecutionDetail): Promise<PendingApproval | undefined> {
    return pendingApproval(await this.history(execution.executionArn));
  }

  async answerTask(taskToken: string, answer: TaskAnswer): Promise<void> {
    if (answer.approved) await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(answer.output) }));
    else await this.sfn.send(new SendTaskFailureCommand({ taskToken, error: answer.error, cause: answer.cause }));
  }
}
