import Table from 'cli-table3';
import type { CaseView } from './case';
import { formatDuration, utc } from './render';
import { CHANGE } from '../../tasks/principal/lib/case-store';

const PLAIN = { head: [], border: [] };
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** Before and after of one recorded change, from the prior state the case record saved. */
function beforeAfter(view: CaseView, action: string, resourceId: string): [string, string] {
  const prior = view.record?.prior;
  switch (action) {
    case CHANGE.deactivateKey: return [prior?.accessKeys.find((k) => k.accessKeyId === resourceId)?.status ?? '-', 'Inactive'];
    case CHANGE.reactivateKey: return ['Inactive', 'Active'];
    case CHANGE.putPolicy: return ['(no such policy)', `inline deny of sessions issued before ${view.record?.sessionPolicy?.revokedBefore ?? '-'}`];
    case CHANGE.deletePolicy: return ['inline session deny', '(removed)'];
    default: return ['-', '-'];
  }
}

/** `remediate case <id>` as text: timeline, evidence, what was changed, how to release. */
export function caseText(view: CaseView): string {
  const lines = [`case       ${view.caseId}`, '', `Timeline (${view.timeline.length})`];
  if (view.timeline.length === 0) lines.push('  no execution of this case in our state machines');
  else {
    const table = new Table({ head: ['started (UTC)', 'workflow', 'status', 'outcome', 'duration', 'execution'], style: PLAIN, chars: COMPACT });
    for (const r of view.timeline) table.push([utc(r.startDate), r.workflow, r.status, r.outcome, formatDuration(r.durationMs), r.name]);
    lines.push(table.toString());
  }
  const e = view.evidence;
  lines.push('', 'Evidence');
  if (!e) lines.push('  no triage execution of the event and no containment found');
  else {
    lines.push(`  event      ${e.eventId}${e.eventTime ? ` at ${e.eventTime}` : ''}`, `  principal  ${e.principal ?? '-'}${e.principalType ? ` (${e.principalType})` : ''}`,
      `  key used   ${e.accessKeyId ?? '-'}`, `  source IP  ${e.sourceIp ?? '-'}`, `  instances  ${e.instances.length > 0 ? e.instances.join(', ') : '-'}`);
  }
  lines.push('', 'What was changed');
  const record = view.record;
  if (!record) lines.push(`  ${view.recordNote ?? '-'}`);
  else {
    lines.push(`  principal  ${record.principal.arn || record.principal.name} (${record.principal.kind}), saved ${record.savedAt} by ${record.containExecution}`,
      `  before     keys ${record.prior.accessKeys.map((k) => `${k.accessKeyId} ${k.status}`).join(', ') || 'none'}; inline policies ${record.prior.inlinePolicies.join(', ') || 'none'}`);
    const changes = Object.values(record.changes).sort((a, b) => a.at.localeCompare(b.at));
    if (changes.length === 0) lines.push('  nothing changed (yet)');
    else {
      const table = new Table({ head: ['action', 'resource', 'before', 'after', 'at'], style: PLAIN, chars: COMPACT });
      for (const c of changes) table.push([c.action, c.resourceId, ...beforeAfter(view, c.action, c.resourceId), c.at]);
      lines.push(table.toString());
    }
  }
  for (const { record: r, release } of view.instances ?? []) {
    lines.push('', `Isolated instance ${r.instanceId}`, `  saved ${r.savedAt} by ${r.isolateExecution}; key pair ${r.prior.keyName ?? '-'}; forensic snapshots ${r.snapshotIds.join(', ') || '-'}`,
      `  before     groups ${r.prior.enis.map((e) => `${e.networkInterfaceId}: ${e.groupIds.join(' ')}`).join('; ') || '-'}; profile ${r.prior.profile?.arn ?? '-'}`);
    const table = new Table({ head: ['step', 'resource', 'before', 'after', 'at'], style: PLAIN, chars: COMPACT });
    for (const s of Object.values(r.steps).sort((a, b) => a.at.localeCompare(b.at))) table.push([s.action, s.resourceId, JSON.stringify(s.before ?? {}), JSON.stringify(s.after ?? {}), s.at]);
    lines.push(table.toString());
    lines.push(r.releasedAt ? `  released at ${r.releasedAt} by ${r.releaseExecution ?? '-'}` : `  release: ${release.command} (keeps the snapshots and the session deny)`);
  }
  lines.push('', 'Release');
  if (view.release.releasedAt) lines.push(`  released at ${view.release.releasedAt} by ${view.release.releaseExecution ?? '-'}`);
  else {
    lines.push(`  ${view.release.command}`, `  input: ${JSON.stringify(view.release.input)}`,
      '  reactivates exactly the keys this case deactivated; the session deny stays until the stolen sessions have expired, then the release removes it.');
  }
  lines.push('', 'Closure');
  const closure = view.closure;
  if (closure.closed) {
    lines.push(`  closed at ${closure.closedAt} by ${closure.execution}: ${closure.reason}`,
      `  forensic snapshots marked: ${closure.snapshots.join(', ') || 'none'} (expire-retained deletes them once their retain-until has passed)`);
  } else {
    lines.push('  not closed: its forensic snapshots are kept whatever their retain-until says', `  ${closure.command}`);
  }
  return lines.join('\n');
}
