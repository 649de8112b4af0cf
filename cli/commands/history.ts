import { toAuditRecord, type AuditRecord } from '../audit/model';
import { formatTrigger, historyTable } from '../audit/render';
import type { ExecutionArchive } from '../audit/archive';
import type { ExecutionDetail, ExecutionSource, ExecutionStatus, ExecutionSummary } from '../audit/source';
import { archiveFor, ioOf, parseSince, sourceFor, type CliDeps, type CommonOptions } from './context';

export interface HistoryOptions extends CommonOptions {
  workflow?: string;
  status?: ExecutionStatus;
  since?: string;
  target?: string;
  trigger?: string;
  limit?: number;
}

const DESCRIBE_CONCURRENCY = 5;

/**
 * Executions of our state machines, newest first, as audit records. Workflow, status and
 * since narrow the listing calls; target and trigger are in each execution's input.
 */
export async function collectRecords(source: ExecutionSource, options: HistoryOptions, now: Date, archive?: ExecutionArchive): Promise<AuditRecord[]> {
  const since = options.since ? parseSince(options.since, now) : undefined;
  const query = { workflow: options.workflow, status: options.status, since };
  const listed: { summary: ExecutionSummary; detail?: ExecutionDetail }[] = (await source.listExecutions(query)).map((summary) => ({ summary }));
  if (archive) {
    // Step Functions' own record wins; the archive adds what it no longer keeps.
    const known = new Set(listed.map((e) => e.summary.executionArn));
    for (const detail of await archive.executions(query)) if (!known.has(detail.executionArn)) listed.push({ summary: detail, detail });
    listed.sort((a, b) => b.summary.startDate.getTime() - a.summary.startDate.getTime());
  }
  const trigger = options.trigger?.toLowerCase();
  const records: AuditRecord[] = [];
  // A few DescribeExecution calls at a time (well inside its throttle), in listing order.
  for (let i = 0; i < listed.length && (options.limit === undefined || records.length < options.limit); i += DESCRIBE_CONCURRENCY) {
    const batch = listed.slice(i, i + DESCRIBE_CONCURRENCY);
    const described = await Promise.all(batch.map(async ({ summary, detail }) => toAuditRecord(detail ?? (await source.describe(summary.executionArn)))));
    for (const record of described) {
      if (options.target && record.target !== options.target) continue;
      if (trigger && !formatTrigger(record.trigger).toLowerCase().includes(trigger)) continue;
      if (options.limit === undefined || records.length < options.limit) records.push(record);
    }
  }
  return records;
}

/** `remediate history`: a table across all our state machines. */
export async function historyCommand(options: HistoryOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const records = await collectRecords(sourceFor(options, deps), options, io.now(), archiveFor(options, deps));
  if (options.json) io.out(JSON.stringify(records, null, 2));
  else io.out(records.length > 0 ? historyTable(records) : 'no executions match');
  return 0;
}
