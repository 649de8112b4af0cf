/**
 * Compares two plans of one workflow (the approved one and the one made again after the approval),
 * ignoring what differs between two reads of an unchanged account: timestamps, and the order of lists.
 */

/** Keys whose values change with every read: `at`, `time`, `timestamp`, `*At` (checkedAt, createdAt ...). */
export const isVolatileKey = (key: string): boolean => /^(at|time|timestamp)$/i.test(key) || /[a-z]At$/.test(key);

/** The plan as compared: volatile keys dropped, object keys sorted, lists sorted by their canonical text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(canonical).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).filter((k) => !isVolatileKey(k)).sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

const show = (value: unknown): string => (value === undefined ? 'absent' : JSON.stringify(value));

/** Each difference as `path: approved -> now`, on the canonical forms. */
function differences(approved: unknown, now: unknown, path: string, into: string[]): string[] {
  if (JSON.stringify(approved) === JSON.stringify(now)) return into;
  const bothObjects = approved && now && typeof approved === 'object' && typeof now === 'object';
  const sameShape = bothObjects && Array.isArray(approved) === Array.isArray(now)
    && (!Array.isArray(approved) || (approved as unknown[]).length === (now as unknown[]).length);
  if (!sameShape) {
    into.push(`${path || '(plan)'}: ${show(approved)} -> ${show(now)}`);
    return into;
  }
  const a = approved as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => (Array.isArray(a) ? Number(x) - Number(y) : x.localeCompare(y)));
  for (const key of keys) differences(a[key], b[key], Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key, into);
  return into;
}

/** What differs between the approved plan and the current one (empty: unchanged), volatile fields ignored. */
export function planDifferences(approved: unknown, now: unknown): string[] {
  return differences(canonical(approved), canonical(now), '', []);
}
