import { createEc2Client } from '../lib/clients/ec2';
import { describeVolumes } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { DATA_PROFILE, advancePoll, readJustCreated } from '../lib/polling';
import type { PollState } from '../lib/types';
import type { VolumeWork } from './lib/types';

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
  const found = await readJustCreated(() => describeVolumes(ec2, ids as string[]), poll);
  if (!found) return advancePoll(poll, { status: 'pending' }, DATA_PROFILE, totalGiB, 'replacement volumes');
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
