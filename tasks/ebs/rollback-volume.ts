import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { attach, detach, setDeleteOnTermination, volumesById } from './lib/attachments';
import { attachmentTo, describeInstance, describeVolumesIfExist } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { SWAP_PROFILE, advancePoll } from '../lib/polling';
import { TAG, tagValue } from '../lib/tags';
import type { PollState } from '../lib/types';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface RollbackVolumeEvent {
  volume: VolumeWork;
  instanceId: string;
  poll?: PollState;
}

export interface RollbackVolumeState extends PollState {
  volumeId: string;
  step: 'detaching-replacement' | 'reattaching-original' | 'restored';
}

/**
 * One step of putting one original volume back where it was, decided from what
 * EC2 shows now: detach the replacement if attached -> reattach the original at
 * its device -> restore DeleteOnTermination and drop `replaced-by`. An original
 * that never left is only checked.
 */
export const handler = async ({ volume, instanceId, poll }: RollbackVolumeEvent): Promise<RollbackVolumeState> => {
  const ids = volume.newVolumeId ? [volume.volumeId, volume.newVolumeId] : [volume.volumeId];
  // EC2 fails the whole call if one id is gone. A replacement deleted by hand cannot be
  // attached anyway; the original can still go back, so look again for it alone.
  const both = await describeVolumesIfExist(ec2, ids);
  const found = both.length === ids.length
    ? new Map(both.map((v) => [v.VolumeId as string, v]))
    : await volumesById(ec2, [volume.volumeId]);
  const original = found.get(volume.volumeId);
  const replacement = volume.newVolumeId ? found.get(volume.newVolumeId) : undefined;
  const what = `rollback of ${volume.volumeId} at ${volume.device}`;
  const pending = (step: RollbackVolumeState['step']): RollbackVolumeState => ({
    ...advancePoll(poll, { status: 'pending' }, SWAP_PROFILE, 0, what), volumeId: volume.volumeId, step,
  });

  const replacementAttachment = replacement && attachmentTo(replacement, instanceId);
  if (replacementAttachment) {
    if (replacementAttachment.State === 'attached') await detach(ec2, volume.newVolumeId as string, instanceId, volume.device);
    return pending('detaching-replacement');
  }
  const originalAttachment = original && attachmentTo(original, instanceId);
  if (!originalAttachment) {
    if (original?.State !== 'available') {
      throw new PreconditionFailedError(`original ${volume.volumeId} is ${original?.State}; cannot reattach it`);
    }
    await attach(ec2, volume.volumeId, instanceId, volume.device);
    return pending('reattaching-original');
  }
  if (originalAttachment.State !== 'attached') return pending('reattaching-original');

  const instance = await describeInstance(ec2, instanceId);
  const mapping = instance.BlockDeviceMappings?.find((m) => m.Ebs?.VolumeId === volume.volumeId);
  if (mapping?.Ebs?.DeleteOnTermination !== volume.deleteOnTermination) {
    await setDeleteOnTermination(ec2, instanceId, volume.device, volume.deleteOnTermination);
  }
  if (tagValue(original.Tags, TAG.replacedBy) !== undefined) {
    await ec2.send(new DeleteTagsCommand({
      Resources: [volume.volumeId],
      Tags: [{ Key: TAG.replacedBy }, { Key: TAG.retainUntil }],
    }));
  }
  logger.info('original volume in place', { volumeId: volume.volumeId, device: volume.device });
  return {
    ...advancePoll(poll, { status: 'completed' }, SWAP_PROFILE, 0, what), volumeId: volume.volumeId, step: 'restored',
  };
};
