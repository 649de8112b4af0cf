import type { AuditAction, AuditRecord } from './model';
import { formatTrigger, formatValue, utc } from './render';

export const EXPORT_FORMATS = ['json', 'csv', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const durationSeconds = (r: AuditRecord) => (r.durationMs === undefined ? '' : (r.durationMs / 1000).toFixed(1));
const actionText = (a: AuditAction) => `${a.action} ${a.resourceId}: ${formatValue(a.before)} -> ${formatValue(a.after)}${a.at ? ` at ${a.at}` : ''}`;
const errorText = (r: AuditRecord) =>
  r.rolledBackBecause ? `rolled back because ${r.rolledBackBecause.error}: ${r.rolledBackBecause.cause}` : r.error ? `${r.error}${r.cause ? `: ${r.cause}` : ''}` : '';

/** JSON for machines: every field, ISO dates. */
export function toJson(records: AuditRecord[], meta: { since?: Date; generatedAt: Date }): string {
  return `${JSON.stringify({ generatedAt: meta.generatedAt.toISOString(), since: meta.since?.toISOString() ?? null, executions: records }, null, 2)}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_COLUMNS = [
  'execution', 'workflow', 'target', 'status', 'outcome', 'trigger_source', 'trigger_principal', 'trigger_event_id',
  'started_at', 'stopped_at', 'duration_seconds', 'actions', 'error',
] as const;

export function toCsv(records: AuditRecord[]): string {
  const rows = records.map((r) => [
    r.name, r.workflow, r.target, r.status, r.outcome, r.trigger?.source ?? '', r.trigger?.principal ?? '', r.trigger?.eventId ?? '',
    r.startDate.toISOString(), r.stopDate?.toISOString() ?? '', durationSeconds(r), r.actions.map(actionText).join('\n'), errorText(r),
  ]);
  return [[...CSV_COLUMNS], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const mdCell = (value: string) => (value === '' ? '-' : value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>'));
const mdRow = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

/** Markdown for people: a summary table, then each execution's actions before/after. */
export function toMarkdown(records: AuditRecord[], meta: { since?: Date; generatedAt: Date }): string {
  const lines = [
    '# Remediation audit',
    '',
    `Executions started since ${meta.since ? utc(meta.since) : 'the beginning'}: ${records.length} (generated ${utc(meta.generatedAt)}).`,
    '',
    mdRow(['Started (UTC)', 'Workflow', 'Target', 'Status', 'Outcome', 'Triggered by', 'Duration (s)', 'Execution']),
    '|---|---|---|---|---|---|---|---|',
    ...records.map((r) => mdRow([utc(r.startDate), r.workflow, r.target, r.status, r.outcome, formatTrigger(r.trigger), durationSeconds(r), r.name])),
  ];
  for (const r of records) {
    lines.push('', `## ${r.name}`, '');
    lines.push(`- Workflow: ${r.workflow}`, `- Target: ${r.target}`, `- Triggered by: ${formatTrigger(r.trigger)}`);
    lines.push(`- Status: ${r.status} (${r.outcome})`, `- Started: ${utc(r.startDate)}, stopped: ${utc(r.stopDate)}`);
    const error = errorText(r);
    if (error) lines.push(`- Error: ${mdCell(error)}`);
    lines.push('');
    if (r.actions.length === 0) {
      lines.push('No actions.');
      continue;
    }
    lines.push(mdRow(['Action', 'Resource', 'Before', 'After', 'At']), '|---|---|---|---|---|');
    for (const a of r.actions) lines.push(mdRow([a.action, a.resourceId, formatValue(a.before), formatValue(a.after), a.at ?? '']));
  }
  return `${lines.join('\n')}\n`;
}
