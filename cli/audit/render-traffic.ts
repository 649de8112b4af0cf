import Table from 'cli-table3';

const PLAIN = { head: [], border: [] };
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

interface Counts { flows: number; packets: number; bytes: number }
/** The parts of an investigate-traffic report (tasks/network/build-investigation-report.ts) that `remediate show` prints. */
export interface TrafficView {
  window: { from: string; to: string };
  findings: string[];
  flowLogs: { flowLogId: string; resourceId: string; destinationType: string; logGroupName?: string; bucket?: string; read?: number; note?: string }[];
  traffic?: {
    recordsRead: number; recordsMatched: number; capHit: boolean; maxRecords: number; accepted: Counts; rejected: Counts; distinctTalkers: number;
    talkers: (Counts & { remoteAddress: string; direction: string; port: number | null; protocol: string; action: string })[];
    worldOpenHits: (Counts & { groupId: string; ruleId: string; ports: string; cidr: string; remotes: number; topRemotes: string[] })[];
  };
  block?: { workflow: string; status: string; input: { cidrs: string[]; subnetIds: string[] } };
}

/** The report of an investigate-traffic execution, if `report` is one. */
export function trafficViewOf(report: Record<string, unknown> | undefined): TrafficView | undefined {
  if (report?.workflow !== 'investigate-traffic' || !Array.isArray(report.findings)) return undefined;
  return report as unknown as TrafficView;
}

const table = (head: string[], rows: (string | number)[][]) => {
  const t = new Table({ head, style: PLAIN, chars: COMPACT });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
};

/** `remediate show` for investigate-traffic: the sources read, the figures, top talkers and world-open rules that admitted traffic. */
export function trafficSection(view: TrafficView | undefined): string[] {
  if (!view) return [];
  const lines = ['', `Traffic ${view.window.from} .. ${view.window.to}`];
  lines.push(table(['flow log', 'attached to', 'destination', 'read', 'note'], view.flowLogs.map((f) =>
    [f.flowLogId, f.resourceId, `${f.destinationType} ${f.logGroupName ?? f.bucket ?? ''}`.trim(), f.read ?? '-', f.note ?? ''])));
  const t = view.traffic;
  if (t) {
    lines.push(`records read ${t.recordsRead}, of these ENIs ${t.recordsMatched}${t.capHit ? ` (cap of ${t.maxRecords} reached)` : ''}; ` +
      `ACCEPT ${t.accepted.flows} flows / ${t.accepted.bytes} bytes, REJECT ${t.rejected.flows} flows / ${t.rejected.bytes} bytes; ${t.distinctTalkers} distinct talkers`);
    lines.push('', 'Top talkers');
    lines.push(table(['remote', 'direction', 'port', 'protocol', 'action', 'flows', 'packets', 'bytes'],
      t.talkers.map((x) => [x.remoteAddress, x.direction, x.port ?? '-', x.protocol, x.action, x.flows, x.packets, x.bytes])));
    if (t.worldOpenHits.length > 0) {
      lines.push('', 'Accepted through world-open rules');
      lines.push(table(['group', 'rule', 'ports', 'open to', 'flows', 'bytes', 'remotes', 'top remotes'],
        t.worldOpenHits.map((h) => [h.groupId, h.ruleId, h.ports, h.cidr, h.flows, h.bytes, h.remotes, h.topRemotes.join(' ')])));
    }
  }
  lines.push('', `Findings (${view.findings.length})`, ...(view.findings.length > 0 ? view.findings.map((f) => `  - ${f}`) : ['  none']));
  return lines;
}
