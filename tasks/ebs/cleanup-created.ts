import { CreateTagsCommand, DeleteSnapshotCommand, type Snapshot } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findSnapshots, findVolumes } from '../lib/ec2';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { CLEANUP_PROFILE, advancePoll } from '../lib/polling';
import { TAG, tagValue } from '../lib/tags';
import type { PollState } from '../lib/types';
import { RETAIN_DAYS } from './lib/created';
import { retainUntil } from '../lib/retention';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface CleanupEvent {
  executionName: string;
  /** `success`: after a verified swap; `rollback`: after the originals were put back. */
  after: 'success' | 'rollback';
  volumes: VolumeWork[];
  /** The previous round's state (the settle loop's poll). */
  poll?: Partial<CleanupResult>;
}

export interface CleanupResult extends PollState {
  deleted: string[];
  kept: string[];
  tagged: string[];
  /** Still being created when the settle budget ran out: for a person to check. */
  unsettled: string[];
  /** What the last find showed (minus what was deleted): the settle loop ends when two finds agree. */
  seen: string[];
}

const STILL_CREATING = new Set(['pending', 'creating']);

/**
 * One round of the cleanup by the `remediation:execution` tag, in a settle loop (Wait + find again),
 * so that a create still in flight (a Map iteration that outlived its Map) is found too. Acts only
 * when nothing is being created, and is done when two finds in a row agree.
 * - unencrypted snapshots (pre-copy and final): deleted, after success and after rollback alike (the
 *   originals hold the data);
 * - success: one encrypted copy per volume is kept (the final one the replacement came from); the
 *   pre-copy copy and any duplicate are deleted. The `direct` strategy makes no encrypted copy, so it
 *   keeps no snapshot (as before): the encrypted replacement volume is the copy.
 * - rollback: every encrypted snapshot and every new volume is kept and tagged `remediation:rolled-back`
 *   and `remediation:retain-until` (expire-retained removes them later). Volumes are never deleted.
 */
export const handler = async ({ executionName, after, volumes, poll }: CleanupEvent): Promise<CleanupResult> => {
  const filters = [{ Name: `tag:${TAG.execution}`, Values: [executionName] }];
  const [snapshots, createdVolumes] = await Promise.all([findSnapshots(ec2, filters), findVolumes(ec2, filters)]);
  const deleted = [...(poll?.deleted ?? [])];
  const kept = [...(poll?.kept ?? [])];
  const tagged = [...(poll?.tagged ?? [])];
  const liveSnapshots = snapshots.filter((s) => !deleted.includes(s.SnapshotId as string));
  const creating = [
    ...liveSnapshots.filter((s) => STILL_CREATING.has(s.State ?? '')).map((s) => s.SnapshotId as string),
    ...createdVolumes.filter((v) => STILL_CREATING.has(v.State ?? '')).map((v) => v.VolumeId as string),
  ];
  const found = [...liveSnapshots.map((s) => s.SnapshotId as string), ...createdVolumes.map((v) => v.VolumeId as string)].sort();
  const lastRound = (poll?.count ?? 0) + 1 >= (poll?.maxPolls ?? CLEANUP_PROFILE.maxPolls);
  const round = (status: 'pending' | 'completed', seen: string[], unsettled: string[] = []): CleanupResult => ({
    ...advancePoll(poll?.status ? (poll as PollState) : undefined, { status }, CLEANUP_PROFILE, 0, `cleanup of ${executionName}`),
    deleted, kept, tagged, unsettled, seen,
  });
  if (creating.length > 0) return lastRound ? round('completed', found, creating) : round('pending', found);

  const until = retainUntil(new Date(), RETAIN_DAYS);
  const toTag: string[] = [];
  for (const snapshot of liveSnapshots) {
    const id = snapshot.SnapshotId as string;
    if (shouldDelete(snapshot, after, volumes)) {
      await deleteSnapshot(id);
      deleted.push(id);
    } else if (!kept.includes(id)) {
      kept.push(id);
      if (after === 'rollback') toTag.push(id);
    }
  }
  if (after === 'rollback') {
    for (const volume of createdVolumes) if (!kept.includes(volume.VolumeId as string)) kept.push(volume.VolumeId as string);
    toTag.push(...createdVolumes.map((v) => v.VolumeId as string));
  }
  const untagged = toTag.filter((id) => !tagged.includes(id) && !alreadyTagged(id, snapshots, createdVolumes));
  for (let i = 0; i < untagged.length; i += 500) {
    await ec2.send(new CreateTagsCommand({
      Resources: untagged.slice(i, i + 500),
      Tags: [{ Key: TAG.rolledBack, Value: 'true' }, { Key: TAG.retainUntil, Value: until }],
    }));
  }
  tagged.push(...untagged);
  const seen = found.filter((id) => !deleted.includes(id));
  const settled = poll?.seen !== undefined && JSON.stringify(poll.seen) === JSON.stringify(seen);
  logger.info('cleanup round', { after, deleted: deleted.length, kept: kept.length, tagged: tagged.length, settled });
  return round(settled || lastRound ? 'completed' : 'pending', seen);
};

/** Unencrypted or failed: always. Encrypted, after success: all but the final copy each replacement came from. */
function shouldDelete(snapshot: Snapshot, after: CleanupEvent['after'], volumes: VolumeWork[]): boolean {
  if (!snapshot.Encrypted || snapshot.State === 'error') return true;
  if (after === 'rollback') return false;
  const source = tagValue(snapshot.Tags, TAG.sourceVolume);
  const volume = volumes.find((v) => v.volumeId === source);
  // Not one of this run's volumes' records (should not happen): kept, for a person to look at.
  if (!volume?.finalCopyId) return false;
  return snapshot.SnapshotId !== volume.finalCopyId;
}

function alreadyTagged(id: string, snapshots: Snapshot[], volumes: { VolumeId?: string; Tags?: { Key?: string; Value?: string }[] }[]): boolean {
  const tags = snapshots.find((s) => s.SnapshotId === id)?.Tags ?? volumes.find((v) => v.VolumeId === id)?.Tags;
  return tagValue(tags, TAG.rolledBack) === 'true' && tagValue(tags, TAG.retainUntil) !== undefined;
}

async function deleteSnapshot(snapshotId: string): Promise<void> {
  try {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  } catch (error) {
    // Already gone (a retry after a timeout): that is the state we want.
    if (awsErrorName(error) !== 'InvalidSnapshot.NotFound') throw error;
  }
}
