import type { Snapshot, Volume } from '@aws-sdk/client-ec2';
import { TAG, tagValue } from '../../lib/tags';
import { describedAs, type AccountView } from './account';
import { commonRefusal, retentionPassed } from './due';
import { judgeSnapshots } from './snapshot-rules';
import type { Deletion, ExpiryJudgement, Refusal, Retained, RetainedKind } from './types';

/** At most this many deletions per execution (each report action holds a full description); the next day's run takes the rest. */
export const MAX_DELETIONS = 50;

const kindOfVolume = (v: Volume): RetainedKind => (tagValue(v.Tags, TAG.replacedBy) ? 'original-volume'
  : tagValue(v.Tags, TAG.rolledBack)?.toLowerCase() === 'true' ? 'rolled-back-volume' : 'unknown-volume');
const kindOfSnapshot = (s: Snapshot): RetainedKind => (tagValue(s.Tags, TAG.case) ? 'forensic-snapshot' : 'kept-snapshot');

interface Candidate<T> { item: Retained; resource: T }

/**
 * Decides, from what the account shows now, what may be deleted and what is refused and why; never the only copy of
 * a volume's data. Snapshots first (snapshot-rules.ts), then originals (which need an encrypted snapshot left), then
 * rolled-back volumes (which need some other copy left). Each refusal concerns its resource alone.
 */
export function judge(view: AccountView, now: Date, max = MAX_DELETIONS): ExpiryJudgement {
  const refused: Refusal[] = [];
  const notYetDue: ExpiryJudgement['notYetDue'] = [];
  const due = <T extends Volume | Snapshot>(resource: T, resourceId: string, resourceType: Retained['resourceType'], kind: RetainedKind): Candidate<T>[] => {
    const retainUntil = tagValue(resource.Tags, TAG.retainUntil) ?? '';
    const item: Retained = { resourceId, resourceType, kind, retainUntil };
    const passed = retentionPassed(retainUntil, now);
    // An open case's forensic snapshot is kept whatever its retain-until says (it has none until close-case sets one).
    const open = kind === 'forensic-snapshot' ? openCase(resource.Tags) : undefined;
    if (open) refused.push({ ...item, reason: commonRefusal(resource.Tags) ?? open });
    else if (passed === false) notYetDue.push({ resourceId, retainUntil });
    else if (passed === undefined) refused.push({ ...item, reason: `${TAG.retainUntil}=${JSON.stringify(retainUntil)} is not a date` });
    else {
      const reason = commonRefusal(resource.Tags)
        ?? (kind === 'unknown-volume' ? `neither ${TAG.replacedBy} nor ${TAG.rolledBack}=true: why it was kept is unknown` : undefined);
      if (!reason) return [{ item, resource }];
      refused.push({ ...item, reason });
    }
    return [];
  };
  const volumes = view.retainedVolumes.flatMap((v) => due(v, v.VolumeId as string, 'volume', kindOfVolume(v)));
  const snapshots = view.retainedSnapshots.flatMap((s) => due(s, s.SnapshotId as string, 'snapshot', kindOfSnapshot(s)));

  const relatedVolume = (id: string | undefined) => (id ? view.relatedVolumes.find((v) => v.VolumeId === id) : undefined);
  // Evidence of a closed case, not a copy kept for a volume's data: it goes once its case's retention has passed.
  const closedCase = snapshots.filter((c) => c.item.kind === 'forensic-snapshot');
  const snapshotVerdicts = judgeSnapshots(snapshots.filter((c) => c.item.kind !== 'forensic-snapshot'), view.lineageSnapshots, (lineage) => relatedVolume(lineage));
  const deletions: Deletion[] = [...closedCase.map(({ item, resource }) => ({
    ...item, why: `its case ${tagValue(resource.Tags, TAG.case) as string} was closed at ${tagValue(resource.Tags, TAG.caseClosed) as string} and its retention has passed`,
    before: describedAs(resource),
  })), ...snapshotVerdicts.delete];
  refused.push(...snapshotVerdicts.refused);
  const deleting = (id: string) => deletions.some((d) => d.resourceId === id);
  /** Encrypted, completed snapshots of a lineage that this run leaves in place. */
  const encryptedCopiesLeft = (lineage: string) => view.lineageSnapshots
    .filter((s) => tagValue(s.Tags, TAG.sourceVolume) === lineage && s.Encrypted && s.State === 'completed' && !deleting(s.SnapshotId as string));

  for (const { item, resource } of volumes.filter((c) => c.item.kind === 'original-volume')) {
    const verdict = originalVerdict(resource, relatedVolume(tagValue(resource.Tags, TAG.replacedBy)), encryptedCopiesLeft(item.resourceId));
    if ('reason' in verdict) refused.push({ ...item, reason: verdict.reason });
    else deletions.push({ ...item, why: verdict.why, before: describedAs(resource) });
  }
  /** Where else a lineage's data is once this run's deletions are done (a rolled-back volume needs that). */
  const otherCopy = (lineage: string, self: string): string | undefined => {
    const source = relatedVolume(lineage);
    if (source && !deleting(lineage)) return `${lineage}, the volume it was made from, still holds its data`;
    // Deleted only with its replacement verified in place (originalVerdict).
    if (source) return `${lineage}'s replacement ${tagValue(source.Tags, TAG.replacedBy) as string} holds its data`;
    const copy = encryptedCopiesLeft(lineage)[0];
    if (copy) return `${copy.SnapshotId as string} keeps an encrypted copy of ${lineage}'s data`;
    const twin = view.retainedVolumes.find((v) => v.VolumeId !== self && tagValue(v.Tags, TAG.sourceVolume) === lineage && !deleting(v.VolumeId as string));
    return twin ? `${twin.VolumeId as string} holds the same data` : undefined;
  };
  for (const { item, resource } of volumes.filter((c) => c.item.kind === 'rolled-back-volume')) {
    const lineage = tagValue(resource.Tags, TAG.sourceVolume);
    const reason = resource.State !== 'available' ? `is ${resource.State}${attachedTo(resource)}: someone uses it`
      : !lineage ? `carries no ${TAG.sourceVolume}: whose data it holds is unknown` : undefined;
    const why = reason || !lineage ? undefined : otherCopy(lineage, item.resourceId);
    if (why) deletions.push({ ...item, why, before: describedAs(resource) });
    else refused.push({ ...item, reason: reason ?? `the only copy left of ${lineage as string}'s data` });
  }
  const ordered = deletions.sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  return {
    delete: ordered.slice(0, max),
    refused: refused.sort((a, b) => a.resourceId.localeCompare(b.resourceId)),
    deferred: ordered.slice(max).map((d) => d.resourceId),
    notYetDue: notYetDue.sort((a, b) => a.resourceId.localeCompare(b.resourceId)),
  };
}

const attachedTo = (v: Volume): string => {
  const a = v.Attachments?.[0];
  return a ? ` (attached to ${a.InstanceId} at ${a.Device})` : '';
};

/** The checks before an original volume goes: detached; its replacement there, encrypted, in use where it was put; an encrypted copy left. */
function originalVerdict(original: Volume, replacement: Volume | undefined, copies: Snapshot[]): { why: string } | { reason: string } {
  const replacementId = tagValue(original.Tags, TAG.replacedBy) as string;
  const [, instanceId, device] = /^(i-[0-9a-f]+):(\/.+)$/.exec(tagValue(original.Tags, TAG.replacedOn) ?? '') ?? [];
  if (original.State !== 'available') return { reason: `is ${original.State}${attachedTo(original)}: only a detached original is deleted` };
  if (!instanceId || !device) return { reason: `no ${TAG.replacedOn} record of the instance and device its replacement was attached at` };
  if (!replacement) return { reason: `its replacement ${replacementId} no longer exists` };
  if (!replacement.Encrypted) return { reason: `its replacement ${replacementId} is not encrypted` };
  const inPlace = replacement.State === 'in-use'
    && replacement.Attachments?.some((a) => a.InstanceId === instanceId && a.Device === device && a.State === 'attached');
  if (!inPlace) return { reason: `its replacement ${replacementId} is not in use at ${device} of ${instanceId} (it is ${replacement.State}${attachedTo(replacement)})` };
  const copy = copies[0];
  if (!copy) return { reason: `no encrypted snapshot of its data is left (${TAG.sourceVolume}=${original.VolumeId as string})` };
  return { why: `its replacement ${replacementId} is encrypted and in use at ${device} of ${instanceId}; ${copy.SnapshotId as string} keeps an encrypted copy of its data` };
}

/** Why a forensic snapshot is kept: its case is not closed (close-case sets `remediation:case-closed`). */
const openCase = (tags: Snapshot['Tags']): string | undefined => (tagValue(tags, TAG.caseClosed) ? undefined
  : `forensic snapshot of case ${tagValue(tags, TAG.case) as string}: its case is not closed (no ${TAG.caseClosed}); deleted only once close-case has closed it and its retention has passed`);
