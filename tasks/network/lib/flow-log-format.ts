/** The default flow-log format (version 2), as EC2 writes it when a flow log has no custom LogFormat. */
export const DEFAULT_LOG_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/** The fields one record needs for the aggregation; what a format lacks stays undefined. */
export interface FlowRecord {
  interfaceId?: string;
  srcaddr?: string;
  dstaddr?: string;
  srcport?: number;
  dstport?: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP). */
  protocol?: number;
  packets: number;
  bytes: number;
  /** Unix seconds. */
  start?: number;
  end?: number;
  action?: 'ACCEPT' | 'REJECT';
  /** OK, NODATA or SKIPDATA. */
  logStatus?: string;
}

/** `${a} ${b}` -> ['a', 'b']. A format EC2 accepted is ${field} names separated by single spaces. */
export function formatFields(logFormat: string | undefined): string[] {
  return (logFormat ?? DEFAULT_LOG_FORMAT).trim().split(/\s+/).map((f) => f.replace(/^\$\{/, '').replace(/\}$/, ''));
}

const number = (value: string | undefined): number | undefined => {
  if (value === undefined || value === '-') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};
const text = (value: string | undefined): string | undefined => (value === undefined || value === '-' ? undefined : value);

/**
 * One record line in the given fields' order. `-` is "no value" (NODATA and SKIPDATA records, or a field
 * that does not apply). A line with the wrong number of fields is no record: undefined (counted as malformed).
 */
export function parseRecord(line: string, fields: readonly string[]): FlowRecord | undefined {
  const values = line.trim().split(/\s+/);
  if (values.length !== fields.length) return undefined;
  const get = (field: string): string | undefined => {
    const i = fields.indexOf(field);
    return i < 0 ? undefined : values[i];
  };
  const action = text(get('action'));
  const record: FlowRecord = { packets: number(get('packets')) ?? 0, bytes: number(get('bytes')) ?? 0 };
  const optional: Partial<FlowRecord> = {
    interfaceId: text(get('interface-id')), srcaddr: text(get('srcaddr')), dstaddr: text(get('dstaddr')),
    srcport: number(get('srcport')), dstport: number(get('dstport')), protocol: number(get('protocol')),
    start: number(get('start')), end: number(get('end')),
    action: action === 'ACCEPT' || action === 'REJECT' ? action : undefined, logStatus: text(get('log-status')),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(record, { [key]: value });
  return record;
}

/** An S3 flow-log file begins with a header line naming its fields (`version account-id ...`): its fields, or undefined. */
export function headerFields(line: string): string[] | undefined {
  const words = line.trim().split(/\s+/);
  return words.length > 0 && words.every((w) => /^[a-z][a-z0-9-]*$/.test(w)) ? words : undefined;
}
