import type { Snapshot, Volume } from '@aws-sdk/client-ec2';
import { TAG, tagValue } from '../../lib/tags';
import { describedAs } from './account';
import type { Deletion, Refusal, Retained } from './types';

// StartTime is a Date from the SDK, an ISO string once it has passed through a state's JSON: compare it as ISO text.
const dateOf = (s: Snapshot) => (s.StartTime instanceof Date ? s.StartTime.toISOString() : String(s.StartTime ?? ''));
const newestFirst = (a: Snapshot, b: Snapshot) => dateOf(b).localeCompare(dateOf(a));

/**
 * Retained snapshots whose retention passed, per lineage (the volume whose data they hold, `remediation:source-volume`):
 * - that volume exists and was not replaced (it is back in place after a rollback): it holds the data, every copy may go;
 * - otherwise (it is retained for deletion, or gone) one encrypted copy always stays: an encrypted snapshot this run
 *   does not touch (the copy encrypt-volumes keeps, without retain-until), else the newest of those due, which is refused.
 * A snapshot still being created is refused; one that failed (state error) holds no data and goes.
 */
export function judgeSnapshots(
  due: { item: Retained; resource: Snapshot }[], lineageSnapshots: Snapshot[], volumeOf: (lineage: string) => Volume | undefined,
): { delete: Deletion[]; refused: Refusal[] } {
  const out = { delete: [] as Deletion[], refused: [] as Refusal[] };
  const byLineage = new Map<string, { item: Retained; resource: Snapshot }[]>();
  for (const candidate of due) {
    const { item, resource } = candidate;
    const lineage = tagValue(resource.Tags, TAG.sourceVolume);
    if (resource.State === 'error') out.delete.push({ ...item, why: 'the snapshot failed (state error): it holds no data', before: describedAs(resource) });
    else if (resource.State !== 'completed') out.refused.push({ ...item, reason: `is ${resource.State}: still being created` });
    else if (!lineage) out.refused.push({ ...item, reason: `carries no ${TAG.sourceVolume}: whose data it holds is unknown` });
    else byLineage.set(lineage, [...(byLineage.get(lineage) ?? []), candidate]);
  }
  for (const [lineage, candidates] of byLineage) {
    const source = volumeOf(lineage);
    if (source && !tagValue(source.Tags, TAG.replacedBy)) {
      for (const { item, resource } of candidates) out.delete.push({ ...item, why: `${lineage}, whose data it copies, is in place and holds it`, before: describedAs(resource) });
      continue;
    }
    const ids = new Set(candidates.map((c) => c.item.resourceId));
    const untouched = lineageSnapshots.filter((s) => tagValue(s.Tags, TAG.sourceVolume) === lineage && s.Encrypted && s.State === 'completed' && !ids.has(s.SnapshotId as string));
    const keep = untouched[0] ? undefined : candidates.filter((c) => c.resource.Encrypted).sort((a, b) => newestFirst(a.resource, b.resource))[0];
    const left = untouched[0]?.SnapshotId ?? keep?.item.resourceId;
    const needed = source ? `while ${lineage} is retained` : `${lineage} no longer exists`;
    for (const { item, resource } of candidates) {
      if (item.resourceId === keep?.item.resourceId) {
        out.refused.push({ ...item, reason: `the last encrypted copy of ${lineage}'s data (${needed}; taken ${dateOf(resource)}): never deleted` });
      } else if (!left) {
        // No encrypted copy anywhere: even an unencrypted one may be all there is.
        out.refused.push({ ...item, reason: `no encrypted copy of ${lineage}'s data would be left (${needed})` });
      } else {
        out.delete.push({ ...item, why: `${left} keeps an encrypted copy of ${lineage}'s data`, before: describedAs(resource) });
      }
    }
  }
  return out;
}
