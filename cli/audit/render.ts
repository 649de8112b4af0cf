import Table from 'cli-table3';
import type { AuditAction, AuditRecord, AuditTrigger, TimelineEntry } from './model';
import { errorOf } from './model';
import { trafficSection } from './render-traffic';
import type { AuditEvent } from './source';

export const PLAIN = { head: [], border: [] };
/** No rule between rows: long timelines stay readable. */
export const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** 2026-11-27T12:00:05Z */
export const utc = (date: Date | undefined) => (date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `cli arn:…`, with `(claimed)` where nothing proved the principal (docs/approval.md "Trigger provenance"). */
export const formatTrigger = (t: AuditTrigger | undefined) =>
  t ? [t.source, t.principal ?? '-', ...(t.eventId ? [t.eventId] : []), ...(t.claimed && t.principal ? ['(claimed)'] : [])].join(' ') : '-';

export const formatValue = (value: Record<string, unknown> | undefined) => (value ? JSON.stringify(value) : '-');

/** A before/after value in a table cell: one `key: value` line per field, so wide reports stay readable. */
export const formatCell = (value: Record<string, unknown> | undefined) =>
  value && Object.keys(value).length > 0
    ? Object.entries(value).map(([key, v]) => `${key}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join('\n')
    : '-';

export function historyTable(records: AuditRecord[]): string {
  const table = new Table({ head: ['started (UTC)', 'workflow', 'target', 'status', 'outcome', 'trigger', 'duration', 'execution'], style: PLAIN, chars: COMPACT });
  for (const r of records) table.push([utc(r.startDate), r.workflow, r.target, r.status, r.outcome, formatTrigger(r.trigger), formatDuration(r.durationMs), r.name]);
  return table.toString();
}

export function summaryLines(r: AuditRecord): string[] {
  const lines = [
    `execution  ${r.name}`,
    `workflow   ${r.workflow}`,
    `target     ${r.target}`,
    `trigger    ${formatTrigger(r.trigger)}`,
    `status     ${r.status}  outcome ${r.outcome}`,
    `started    ${utc(r.startDate)}  stopped ${utc(r.stopDate)}  duration ${formatDuration(r.durationMs)}`,
  ];
  if (r.rolledBackBecause) {
    const how = r.error === 'RollbackFailedError' ? 'rollback INCOMPLETE after' : 'rolled back because';
    lines.push(`${how} ${r.rolledBackBecause.error}: ${r.rolledBackBecause.cause}`);
  } else if (r.error) lines.push(`error      ${r.error}${r.cause ? `: ${r.cause}` : ''}`);
  for (const step of r.whatToDo ?? []) lines.push(`to do      ${step}`);
  return lines;
}

export function timelineTable(timeline: TimelineEntry[]): string {
  const table = new Table({ head: ['state', 'type', 'entered (UTC)', 'duration', 'retries', 'result', 'errors'], style: PLAIN, chars: COMPACT });
  for (const e of timeline) {
    table.push([e.state, e.stateType, utc(e.enteredAt), formatDuration(e.durationMs), String(e.retries), e.result, e.errors.join(', ') || '-']);
  }
  return table.toString();
}

export function actionsTable(actions: AuditAction[]): string {
  const table = new Table({ head: ['action', 'resource', 'before', 'after', 'at'], style: PLAIN, chars: COMPACT });
  for (const a of actions) table.push([a.action, a.resourceId, formatCell(a.before), formatCell(a.after), a.at ?? '-']);
  return table.toString();
}

export function showText(record: AuditRecord, timeline: TimelineEntry[]): string {
  return [
    ...summaryLines(record),
    '',
    'Timeline',
    timelineTable(timeline),
    '',
    `Actions (${record.actions.length})`,
    record.actions.length > 0 ? actionsTable(record.actions) : '  none',
    ...trafficSection(record.traffic),
  ].join('\n');
}

/** Live progress from history events as they arrive: states entered, retries, waits, errors. */
export class ProgressPrinter {
  private readonly seen = new Set<number>();
  private readonly failedStates = new Set<string>();
  private readonly events = new Map<number, AuditEvent>();

  constructor(
    private readonly startDate: Date,
    private readonly print: (line: string) => void,
  ) {}

  accept(events: AuditEvent[]): void {
    for (const event of events) {
      if (this.seen.has(event.id)) continue;
      this.seen.add(event.id);
      this.events.set(event.id, event);
      const line = this.describe(event);
      if (line) this.print(`${((event.timestamp.getTime() - this.startDate.getTime()) / 1000).toFixed(1).padStart(6)}s  ${line}`);
    }
  }

  private stateOf(event: AuditEvent): string {
    // Step Functions links each event to the one before it in the same state (also inside Map iterations).
    for (let e = event.previousEventId ? this.events.get(event.previousEventId) : undefined; e; e = e.previousEventId ? this.events.get(e.previousEventId) : undefined) {
      if (e.type.endsWith('StateEntered')) return String((e.stateEnteredEventDetails as { name?: string } | undefined)?.name);
    }
    return '?';
  }

  private describe(event: AuditEvent): string | undefined {
    if (event.type.endsWith('StateEntered')) {
      const name = String((event.stateEnteredEventDetails as { name?: string } | undefined)?.name);
      return event.type === 'WaitStateEntered' ? `${name} (waiting)` : name;
    }
    if (event.type === 'LambdaFunctionScheduled' || event.type === 'TaskScheduled') {
      const state = this.stateOf(event);
      if (!this.failedStates.has(state)) return undefined;
      this.failedStates.delete(state);
      return `${state} retry`;
    }
    if (event.type === 'MapIterationStarted') {
      const d = event.mapIterationEventDetails as { name?: string; index?: number } | undefined;
      return `${d?.name ?? 'Map'} [item ${d?.index}]`;
    }
    const error = errorOf(event);
    if (!error) return undefined;
    if (event.type.startsWith('Execution')) return `execution ${event.type.replace('Execution', '').toLowerCase()}: ${error}`;
    const state = this.stateOf(event);
    this.failedStates.add(state);
    return `${state} failed: ${error}`;
  }
}
