import { createEc2Client } from '../lib/clients/ec2';
import { describeSnapshots } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { DATA_PROFILE, advancePoll, parsePercent, readJustCreated } from '../lib/polling';
import type { PollState } from '../lib/types';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export type SnapshotField = 'preSnapshotId' | 'preCopyId' | 'finalSnapshotId' | 'finalCopyId';

export interface CheckSnapshotsEvent {
  volumes: VolumeWork[];
  field: SnapshotField;
  poll?: PollState;
}

/**
 * One poll of every volume's snapshot in one phase (one describe call for all,
 * so history grows with time, not with the number of volumes). Returns
 * `completed`, `pending` with the next wait, or `error` naming the snapshot.
 */
export const handler = async ({ volumes, field, poll }: CheckSnapshotsEvent): Promise<PollState> => {
  const ids = volumes.map((v) => v[field]);
  if (ids.some((id) => !id)) throw new PreconditionFailedError(`a volume has no ${field} recorded`);
  const totalGiB = volumes.reduce((sum, v) => sum + v.sizeGiB, 0);
  const snapshots = await readJustCreated(() => describeSnapshots(ec2, ids as string[]), poll);
  if (!snapshots) return advancePoll(poll, { status: 'pending' }, DATA_PROFILE, totalGiB, `snapshots (${field})`);
  const failed = snapshots.find((s) => s.State === 'error');
  if (failed) {
    return advancePoll(poll, {
      status: 'error',
      error: { Error: 'SnapshotFailed', Cause: `snapshot ${failed.SnapshotId} failed: ${failed.StateMessage ?? 'no reason given'}` },
    }, DATA_PROFILE, 0, field);
  }
  const pending = snapshots.filter((s) => s.State !== 'completed');
  if (pending.length === 0 && snapshots.length === ids.length) {
    return advancePoll(poll, { status: 'completed', progress: 100 }, DATA_PROFILE, totalGiB, field);
  }
  // The slowest snapshot sets the pace.
  const progress = pending.length > 0 ? Math.min(...pending.map((s) => parsePercent(s.Progress) ?? 0)) : undefined;
  return advancePoll(poll, { status: 'pending', progress }, DATA_PROFILE, totalGiB, `snapshots (${field})`);
};
