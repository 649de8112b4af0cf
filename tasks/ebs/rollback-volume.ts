import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { attach, detach, setDeleteOnTermination, volumesById } from './lib/attachments';
import { attachmentTo, describeInstance, describeVolumesIfExist } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { SWAP_PROFILE, advancePoll } from '../lib/polling';
import { ORIGINAL_RETENTION_KEYS, TAG, tagValue } from '../lib/tags';
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
  device: string;
  step: 'detaching-replacement' | 'reattaching-original' | 'restored' | 'not-restored';
  /** Why a device was left as it is (`not-restored`). */
  reason?: string;
}

/** While the instance is being stopped (by us, before the failure) the device is waited for, not changed. */
const SETTLING = new Set(['stopping']);

/**
 * One step of putting one original volume back where it was, decided from what
 * EC2 shows now: detach the replacement if attached -> reattach the original at
 * its device -> restore DeleteOnTermination and drop `replaced-by`. An original
 * that never left is only checked. Rollback never stops an instance and never
 * moves a volume of one that is not stopped (someone else started it): such a
 * device is `not-restored`, for FinishRollback to report.
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
  const instance = await describeInstance(ec2, instanceId);
  const instanceState = instance.State?.Name ?? 'unknown';
  const what = `rollback of ${volume.volumeId} at ${volume.device}`;
  const result = (step: RollbackVolumeState['step'], status: 'pending' | 'completed', reason?: string): RollbackVolumeState => ({
    ...advancePoll(poll, { status }, SWAP_PROFILE, 0, what), volumeId: volume.volumeId, device: volume.device, step, ...(reason ? { reason } : {}),
  });
  /** A change to the device is needed: made only on a stopped instance. */
  const change = async (step: 'detaching-replacement' | 'reattaching-original', act: () => Promise<void>) => {
    if (SETTLING.has(instanceState)) return result(step, 'pending');
    if (instanceState !== 'stopped') {
      logger.warn('device not restored: the instance is not stopped', { instanceId, instanceState, device: volume.device });
      return result('not-restored', 'completed', `the instance is ${instanceState}; rollback changes no device of an instance that is not stopped`);
    }
    await act();
    return result(step, 'pending');
  };

  const replacementAttachment = replacement && attachmentTo(replacement, instanceId);
  if (replacementAttachment) {
    if (replacementAttachment.State !== 'attached') return result('detaching-replacement', 'pending');
    return change('detaching-replacement', () => detach(ec2, volume.newVolumeId as string, instanceId, volume.device));
  }
  const originalAttachment = original && attachmentTo(original, instanceId);
  if (!originalAttachment) {
    if (original?.State !== 'available') {
      throw new PreconditionFailedError(`original ${volume.volumeId} is ${original?.State}; cannot reattach it`);
    }
    return change('reattaching-original', () => attach(ec2, volume.volumeId, instanceId, volume.device));
  }
  if (originalAttachment.State !== 'attached') return result('reattaching-original', 'pending');

  const mapping = instance.BlockDeviceMappings?.find((m) => m.Ebs?.VolumeId === volume.volumeId);
  if (mapping?.Ebs?.DeleteOnTermination !== volume.deleteOnTermination) {
    await setDeleteOnTermination(ec2, instanceId, volume.device, volume.deleteOnTermination);
  }
  if (tagValue(original.Tags, TAG.replacedBy) !== undefined) {
    await ec2.send(new DeleteTagsCommand({
      Resources: [volume.volumeId],
      Tags: ORIGINAL_RETENTION_KEYS.map((Key) => ({ Key })),
    }));
  }
  logger.info('original volume in place', { volumeId: volume.volumeId, device: volume.device });
  return result('restored', 'completed');
};
