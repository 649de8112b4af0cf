import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { describeInstance, describeVolumes } from '../../lib/ec2';
import { PreconditionFailedError } from '../../lib/errors';
import { TAG, tagValue } from '../../lib/tags';
import type { Outcome } from '../../lib/types';
import { backupImageName, findOwnImageByName, imageTags, isOurImage } from './image';
import type { BackupPlan, RefreshAmiContext } from './types';

/** CreateImage images a running or a stopped instance; anything in between is refused until it settles. */
const IMAGEABLE = new Set(['running', 'stopped']);

/** Refusals before anything is changed (PreconditionFailedError): excluded, not EBS-backed, not settled. */
export function refuseUnimageable(instance: Instance): void {
  const id = instance.InstanceId as string;
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') throw new PreconditionFailedError(`${id} is tagged ${TAG.exclude}=true: no image is taken`);
  if (instance.RootDeviceType !== 'ebs') throw new PreconditionFailedError(`${id} has an ${instance.RootDeviceType ?? 'unknown'} root: CreateImage needs an EBS-backed instance`);
  const state = instance.State?.Name ?? 'unknown';
  if (!IMAGEABLE.has(state)) throw new PreconditionFailedError(`${id} is ${state}: an image is taken of a running or stopped instance; start again once it has settled`);
}

function rebootNote(state: string, noReboot: boolean): string {
  if (state === 'stopped') return 'the instance is stopped: the image is consistent and nothing reboots';
  return noReboot
    ? 'NoReboot: the instance keeps running; the image is crash-consistent (writes in flight are not in it) and is tagged remediation:no-reboot=true'
    : 'EC2 shuts the instance down cleanly and reboots it to take a consistent image: it is unavailable for the reboot (set noReboot with acknowledgeCrashConsistent to avoid it)';
}

/**
 * Read-only: what a backup of the instance would do. The image name is the instance id and the execution's UTC
 * date, so an image made earlier today is found: available -> NO_ACTION; still pending (or failed) -> the wait
 * resumes on it (and a failed one is cleaned up); an image of that name that is not ours -> refused.
 */
export async function planBackup(ec2: EC2Client, { request, execution }: RefreshAmiContext): Promise<BackupPlan> {
  const instanceId = request.instanceId as string;
  const instance = await describeInstance(ec2, instanceId);
  refuseUnimageable(instance);
  const state = instance.State?.Name as string;
  const imageName = backupImageName(instanceId, execution.startTime);
  const mappings = (instance.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.VolumeId);
  const sizes = new Map((await describeVolumes(ec2, mappings.map((m) => m.Ebs?.VolumeId as string))).map((v) => [v.VolumeId, v.Size ?? 0]));
  const volumes = mappings.map((m) => ({ device: m.DeviceName as string, volumeId: m.Ebs?.VolumeId as string, sizeGiB: sizes.get(m.Ebs?.VolumeId) ?? 0 }));
  const found = await findOwnImageByName(ec2, imageName);
  if (found && !isOurImage(found)) {
    throw new PreconditionFailedError(`an image named ${imageName} (${found.ImageId}) exists and was not made by refresh-ami: nothing is created or removed`);
  }
  const existing = found ? { imageId: found.ImageId as string, state: found.State ?? 'unknown', ...(tagValue(found.Tags, TAG.execution) ? { execution: tagValue(found.Tags, TAG.execution) as string } : {}) } : undefined;
  const outcome: Outcome = existing?.state === 'available' ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  const noReboot = request.noReboot;
  return {
    action: 'backup', outcome, target: instanceId, instanceId, instanceState: state, imageName, noReboot,
    reboots: state === 'running' && !noReboot && !existing,
    note: existing ? `an image named ${imageName} exists (${existing.imageId}, ${existing.state}): ${existing.state === 'available' ? 'nothing to do' : 'the wait resumes on it'}` : rebootNote(state, noReboot),
    tags: imageTags(instance, execution.name, noReboot), volumes, workGiB: volumes.reduce((sum, v) => sum + v.sizeGiB, 0),
    ...(existing ? { existing } : {}),
  };
}
