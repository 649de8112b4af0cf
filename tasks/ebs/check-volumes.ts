import { createEc2Client } from '../lib/clients';
import { describeVolumes } from '../lib/ec2';
import { PreconditionFailedError, ResourceNotFoundError } from '../lib/errors';
import { DATA_PROFILE, NOT_YET_VISIBLE_POLLS, advancePoll } from '../lib/polling';
import type { PollState, VolumeWork } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckVolumesEvent {
  volumes: VolumeWork[];
  poll?: PollState;
}

/** One poll of every replacement volume: `completed` once all are available. */
export const handler = async ({ volumes, poll }: CheckVolumesEvent): Promise<PollState> => {
  const ids = volumes.map((v) => v.newVolumeId);
  if (ids.some((id) => !id)) throw new PreconditionFailedError('a volume has no replacement recorded');
  const totalGiB = volumes.reduce((sum, v) => sum + v.sizeGiB, 0);
  let found;
  try {
    found = await describeVolumes(ec2, ids as string[]);
  } catch (error) {
    // EC2 is eventually consistent: a volume created a moment ago may not be visible yet.
    if (!(error instanceof ResourceNotFoundError) || (poll?.count ?? 0) >= NOT_YET_VISIBLE_POLLS) throw error;
    return advancePoll(poll, { status: 'pending' }, DATA_PROFILE, totalGiB, 'replacement volumes');
  }
  const failed = found.find((v) => v.State === 'error');
  if (failed) {
    return advancePoll(poll, {
      status: 'error',
      error: { Error: 'VolumeCreationFailed', Cause: `volume ${failed.VolumeId} entered state error` },
    }, DATA_PROFILE, totalGiB, 'replacement volumes');
  }
  const ready = found.length === ids.length && found.every((v) => v.State === 'available');
  return advancePoll(poll, { status: ready ? 'completed' : 'pending' }, DATA_PROFILE, totalGiB, 'replacement volumes');
};
