import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { attach, detach, setDeleteOnTermination, volumesById } from './lib/attachments';
import { attachmentTo, describeInstance } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { SWAP_PROFILE, advancePoll } from '../lib/polling';
import { TAG } from '../lib/tags';
import { RETAIN_DAYS } from './lib/created';
import { retainUntil } from '../lib/retention';
import { WORKFLOW } from '../lib/workflow-names';
import { expectUnchanged } from '../instance/lib/recheck';
import type { PollState } from '../lib/types';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface SwapVolumeEvent {
  volume: VolumeWork;
  instanceId: string;
  poll?: PollState;
}

export interface SwapState extends PollState {
  volumeId: string;
  newVolumeId: string;
  device: string;
  step: 'detaching-original' | 'attaching-replacement' | 'swapped';
  at: string;
}

/**
 * One step of the swap of one volume on a stopped instance, decided from what
 * EC2 shows now, so a retry or a re-run continues where the last call left off:
 * re-check the instance (still stopped, not excluded, the device unchanged) -> detach the original -> attach the replacement at the same device -> restore
 * DeleteOnTermination and tag the original (which is never deleted).
 */
export const handler = async ({ volume, instanceId, poll }: SwapVolumeEvent): Promise<SwapState> => {
  const newVolumeId = volume.newVolumeId;
  if (!newVolumeId) throw new PreconditionFailedError(`no replacement recorded for ${volume.volumeId}`);
  const volumes = await volumesById(ec2, [volume.volumeId, newVolumeId]);
  const original = volumes.get(volume.volumeId);
  const replacement = volumes.get(newVolumeId);
  const what = `swap of ${volume.volumeId} at ${volume.device}`;
  const result = (step: SwapState['step'], state: PollState): SwapState => ({
    ...state, volumeId: volume.volumeId, newVolumeId, device: volume.device, step, at: new Date().toISOString(),
  });

  const replacementAttachment = replacement && attachmentTo(replacement, instanceId);
  if (replacementAttachment) {
    if (replacementAttachment.State !== 'attached') {
      return result('attaching-replacement', advancePoll(poll, { status: 'pending' }, SWAP_PROFILE, 0, what));
    }
    await setDeleteOnTermination(ec2, instanceId, volume.device, volume.deleteOnTermination);
    // Where the replacement went is recorded too: expire-retained deletes the original only while it is still there.
    await ec2.send(new CreateTagsCommand({
      Resources: [volume.volumeId],
      Tags: [
        { Key: TAG.replacedBy, Value: newVolumeId }, { Key: TAG.retainUntil, Value: retainUntil(new Date(), RETAIN_DAYS) },
        { Key: TAG.replacedOn, Value: `${instanceId}:${volume.device}` }, { Key: TAG.workflow, Value: WORKFLOW.encryptVolumes },
      ],
    }));
    logger.info('volume swapped', { original: volume.volumeId, replacement: newVolumeId, device: volume.device });
    return result('swapped', advancePoll(poll, { status: 'completed' }, SWAP_PROFILE, 0, what));
  }

  const originalAttachment = original && attachmentTo(original, instanceId);
  if (originalAttachment) {
    if (originalAttachment.State === 'attached') {
      // The re-check before each detach: never detach from an instance someone started, excluded or changed meanwhile.
      expectUnchanged(await describeInstance(ec2, instanceId), [{ device: volume.device, volumeId: volume.volumeId, newVolumeId }], `detaching ${volume.volumeId} from ${volume.device}`);
      await detach(ec2, volume.volumeId, instanceId, volume.device);
    }
    return result('detaching-original', advancePoll(poll, { status: 'pending' }, SWAP_PROFILE, 0, what));
  }
  if (original?.State !== 'available') {
    throw new PreconditionFailedError(`original ${volume.volumeId} is ${original?.State} elsewhere; not swapping`);
  }
  if (replacement?.State !== 'available') {
    throw new PreconditionFailedError(`replacement ${newVolumeId} is ${replacement?.State}, not available`);
  }
  // Before the attach too: still stopped and not excluded; and, unless this run just detached the original, the
  // original gone from its device before the swap began is a change (someone detached it), not a step to continue.
  const ownDetach = poll !== undefined && (poll as Partial<SwapState>).step === 'detaching-original';
  const devices = ownDetach ? [] : [{ device: volume.device, volumeId: volume.volumeId, newVolumeId }];
  expectUnchanged(await describeInstance(ec2, instanceId), devices, `attaching ${newVolumeId} at ${volume.device}`);
  await attach(ec2, newVolumeId, instanceId, volume.device);
  return result('attaching-replacement', advancePoll(poll, { status: 'pending' }, SWAP_PROFILE, 0, what));
};
