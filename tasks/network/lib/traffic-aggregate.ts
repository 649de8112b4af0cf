import type { FlowRecord } from './flow-log-format';
import { portsLabel, protocolName, ruleCovers, type WorldOpenRule } from './world-open-rules';

/** What the aggregation knows of each investigated ENI: its addresses and the world-open ingress rules of its groups. */
export interface EniContext {
  eniId: string;
  addresses: string[];
  worldOpen: WorldOpenRule[];
}

export interface Counts { flows: number; packets: number; bytes: number }

export interface Talker extends Counts {
  remoteAddress: string;
  /** inbound: the remote sent to the ENI (port is the ENI's); outbound: the ENI sent to the remote (port is the remote's). */
  direction: 'inbound' | 'outbound' | 'unknown';
  port: number | null;
  protocol: string;
  action: 'ACCEPT' | 'REJECT' | 'unknown';
}

export interface RemoteSummary extends Counts { remoteAddress: string; accepted: number; rejected: number }

export interface WorldOpenHit extends Counts {
  groupId: string; ruleId: string; ports: string; cidr: string;
  /** Distinct remote addresses accepted through the rule, and the first few of them by bytes. */
  remotes: number; topRemotes: string[];
}

export interface TrafficSummary {
  window: { from: string; to: string };
  /** Lines read (the cap counts these), records of the investigated ENIs in the window, and what was skipped. */
  recordsRead: number; recordsMatched: number; malformed: number; noData: number; outsideWindow: number; otherInterfaces: number;
  maxRecords: number; capHit: boolean;
  accepted: Counts; rejected: Counts;
  distinctTalkers: number;
  talkers: Talker[]; remotes: RemoteSummary[]; worldOpenHits: WorldOpenHit[];
}

const zero = (): Counts => ({ flows: 0, packets: 0, bytes: 0 });
const addTo = (c: Counts, r: FlowRecord) => { c.flows += 1; c.packets += r.packets; c.bytes += r.bytes; };
const byVolume = (a: Counts, b: Counts) => b.bytes - a.bytes || b.packets - a.packets || b.flows - a.flows;

/**
 * Sums flow-log records inside the task, so the state carries only the top N (Step Functions' 256 KB):
 * by remote address, port, protocol and action; per remote; per world-open rule that admitted traffic.
 */
export class TrafficAggregator {
  private readonly talkers = new Map<string, Talker>();
  private readonly remotes = new Map<string, RemoteSummary>();
  private readonly hits = new Map<string, WorldOpenHit & { remoteBytes: Map<string, number> }>();
  private readonly enis: Map<string, EniContext>;
  private readonly addressEni = new Map<string, EniContext>();
  private readonly fromSeconds: number;
  private readonly toSeconds: number;
  readonly totals = { recordsRead: 0, recordsMatched: 0, malformed: 0, noData: 0, outsideWindow: 0, otherInterfaces: 0 };
  readonly accepted = zero();
  readonly rejected = zero();
  /** Set by the reader when it stopped at the cap with records left unread. */
  capHit = false;

  constructor(enis: EniContext[], private readonly window: { from: string; to: string }, readonly maxRecords: number) {
    this.enis = new Map(enis.map((e) => [e.eniId, e]));
    for (const eni of enis) for (const address of eni.addresses) this.addressEni.set(address, eni);
    this.fromSeconds = Date.parse(window.from) / 1000;
    this.toSeconds = Date.parse(window.to) / 1000;
  }

  /** False once the cap is reached: the caller stops reading. */
  get open(): boolean { return this.totals.recordsRead < this.maxRecords; }

  /** One parsed line (undefined: malformed). `streamEni` is the ENI a CloudWatch Logs stream belongs to. */
  add(record: FlowRecord | undefined, streamEni?: string): void {
    this.totals.recordsRead += 1;
    if (!record) { this.totals.malformed += 1; return; }
    if (record.logStatus === 'NODATA' || record.logStatus === 'SKIPDATA' || !record.srcaddr || !record.dstaddr) { this.totals.noData += 1; return; }
    if ((record.end !== undefined && record.end < this.fromSeconds) || (record.start !== undefined && record.start > this.toSeconds)) {
      this.totals.outsideWindow += 1; return;
    }
    const eni = this.enis.get(record.interfaceId ?? streamEni ?? '') ?? (record.interfaceId ? undefined : this.addressEni.get(record.dstaddr) ?? this.addressEni.get(record.srcaddr));
    if (!eni) { this.totals.otherInterfaces += 1; return; }
    this.totals.recordsMatched += 1;
    const inbound = eni.addresses.includes(record.dstaddr);
    const outbound = !inbound && eni.addresses.includes(record.srcaddr);
    const remoteAddress = outbound ? record.dstaddr : record.srcaddr;
    const protocol = record.protocol === undefined ? 'unknown' : protocolName(record.protocol);
    const action = record.action ?? 'unknown';
    const port = record.dstport ?? null;
    if (action === 'ACCEPT') addTo(this.accepted, record);
    if (action === 'REJECT') addTo(this.rejected, record);

    const key = `${remoteAddress}|${inbound ? 'in' : outbound ? 'out' : '?'}|${port}|${protocol}|${action}`;
    const talker = this.talkers.get(key) ?? { remoteAddress, direction: inbound ? 'inbound' : outbound ? 'outbound' : 'unknown', port, protocol, action, ...zero() };
    addTo(talker, record);
    this.talkers.set(key, talker);
    const remote = this.remotes.get(remoteAddress) ?? { remoteAddress, accepted: 0, rejected: 0, ...zero() };
    addTo(remote, record);
    if (action === 'ACCEPT') remote.accepted += 1;
    if (action === 'REJECT') remote.rejected += 1;
    this.remotes.set(remoteAddress, remote);

    if (!inbound || action !== 'ACCEPT' || record.protocol === undefined) return;
    for (const rule of eni.worldOpen) {
      if (rule.egress || !ruleCovers(rule, record.protocol, port ?? -1)) continue;
      const hit = this.hits.get(rule.ruleId) ?? {
        groupId: rule.groupId, ruleId: rule.ruleId, ports: portsLabel(rule), cidr: rule.cidr, remotes: 0, topRemotes: [], remoteBytes: new Map<string, number>(), ...zero(),
      };
      addTo(hit, record);
      hit.remoteBytes.set(remoteAddress, (hit.remoteBytes.get(remoteAddress) ?? 0) + record.bytes);
      this.hits.set(rule.ruleId, hit);
    }
  }

  summary(top: number): TrafficSummary {
    const worldOpenHits = [...this.hits.values()].sort(byVolume).map(({ remoteBytes, ...hit }) => ({
      ...hit, remotes: remoteBytes.size, topRemotes: [...remoteBytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([address]) => address),
    }));
    return {
      window: this.window, ...this.totals, maxRecords: this.maxRecords, capHit: this.capHit,
      accepted: this.accepted, rejected: this.rejected, distinctTalkers: this.talkers.size,
      talkers: [...this.talkers.values()].sort(byVolume).slice(0, top),
      remotes: [...this.remotes.values()].sort(byVolume).slice(0, top),
      worldOpenHits,
    };
  }
}
