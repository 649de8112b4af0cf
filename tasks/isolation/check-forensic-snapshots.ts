import { createEc2Client } from '../lib/clients/ec2';
import { describeSnapshots } from '../lib/ec2';
import { DATA_PROFILE, advancePoll, parsePercent, readJustCreated } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckForensicSnapshotsEvent { snapshotIds: string[]; poll?: PollState }

/** One poll of the case's snapshots: `completed`, `pending` with the next wait (paced by the slowest), or `error`. */
export const handler = async ({ snapshotIds, poll }: CheckForensicSnapshotsEvent): Promise<PollState> => {
  if (snapshotIds.length === 0) return advancePoll(poll, { status: 'completed', progress: 100 }, DATA_PROFILE, 0, 'forensic snapshots');
  const snapshots = await readJustCreated(() => describeSnapshots(ec2, snapshotIds), poll);
  if (!snapshots) return advancePoll(poll, { status: 'pending' }, DATA_PROFILE, 0, 'forensic snapshots');
  const sizeGiB = snapshots.reduce((sum, s) => sum + (s.VolumeSize ?? 0), 0);
  const failed = snapshots.find((s) => s.State === 'error');
  if (failed) {
    return advancePoll(poll, { status: 'error', error: { Error: 'SnapshotFailed', Cause: `forensic snapshot ${failed.SnapshotId} failed: ${failed.StateMessage ?? 'no reason given'}` } }, DATA_PROFILE, 0, 'forensic snapshots');
  }
  const pending = snapshots.filter((s) => s.State !== 'completed');
  if (pending.length === 0 && snapshots.length === snapshotIds.length) return advancePoll(poll, { status: 'completed', progress: 100 }, DATA_PROFILE, sizeGiB, 'forensic snapshots');
  const progress = pending.length > 0 ? Math.min(...pending.map((s) => parsePercent(s.Progress) ?? 0)) : undefined;
  return advancePoll(poll, { status: 'pending', progress }, DATA_PROFILE, sizeGiB, 'forensic snapshots');
};
