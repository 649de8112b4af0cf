import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { workflowOf, type ExecutionDetail, type ExecutionQuery, type ExecutionStatus } from './source';

/** Where the AuditTrail construct keeps every "Step Functions Execution Status Change" event (infra/constructs/audit-trail.ts). */
export const AUDIT_LOG_GROUP = '/remediation/audit/execution-status-changes';

/** The event's detail: DescribeExecution's fields, dates as epoch milliseconds. */
interface StatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number | null;
  input?: string | null;
  output?: string | null;
  error?: string | null;
  cause?: string | null;
}

function toDetail(change: StatusChange): ExecutionDetail {
  const detail: ExecutionDetail = {
    executionArn: change.executionArn,
    stateMachineArn: change.stateMachineArn,
    name: change.name,
    status: change.status,
    startDate: new Date(change.startDate),
  };
  if (change.stopDate) detail.stopDate = new Date(change.stopDate);
  for (const key of ['input', 'output', 'error', 'cause'] as const) {
    const value = change[key];
    if (typeof value === 'string') detail[key] = value;
  }
  return detail;
}

/** One execution from its status changes: the last status, the input from whichever event carried it. */
function merge(changes: StatusChange[]): ExecutionDetail {
  const ordered = [...changes].sort((a, b) => Number(a.status !== 'RUNNING') - Number(b.status !== 'RUNNING') || (a.stopDate ?? 0) - (b.stopDate ?? 0));
  const last = ordered[ordered.length - 1] as StatusChange;
  return toDetail({ ...last, input: last.input ?? ordered.find((c) => typeof c.input === 'string')?.input });
}

/**
 * Executions from the audit log group: the record beyond Step Functions' 90 days of history.
 * It has each execution's input, output and error (no state-by-state history).
 */
export class ExecutionArchive {
  constructor(
    private readonly logs: CloudWatchLogsClient,
    readonly logGroupName = AUDIT_LOG_GROUP,
  ) {}

  private async read(startTime?: number, filterPattern?: string): Promise<ExecutionDetail[]> {
    const byArn = new Map<string, StatusChange[]>();
    let nextToken: string | undefined;
    do {
      const page = await this.logs.send(new FilterLogEventsCommand({ logGroupName: this.logGroupName, startTime, filterPattern, nextToken }));
      for (const event of page.events ?? []) {
        let change: StatusChange | undefined;
        try {
          change = (JSON.parse(event.message ?? '') as { detail?: StatusChange }).detail;
        } catch {
          continue; // not an EventBridge event: not ours
        }
        if (!change?.executionArn || !workflowOf(change.stateMachineArn ?? '')) continue;
        byArn.set(change.executionArn, [...(byArn.get(change.executionArn) ?? []), change]);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return [...byArn.values()].map(merge);
  }

  /** Newest first. A status change is logged at or after the start, so `since` bounds the log read too. */
  async executions(query: ExecutionQuery): Promise<ExecutionDetail[]> {
    return (await this.read(query.since?.getTime()))
      .filter((e) => !query.workflow || workflowOf(e.stateMachineArn) === query.workflow)
      .filter((e) => !query.status || e.status === query.status)
      .filter((e) => !query.since || e.startDate >= query.since)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /** One execution by name or ARN. */
  async find(execution: string): Promise<ExecutionDetail | undefined> {
    const field = execution.startsWith('arn:') ? 'executionArn' : 'name';
    const [found] = await this.read(undefined, `{ $.detail.${field} = ${JSON.stringify(execution)} }`);
    return found;
  }
}
