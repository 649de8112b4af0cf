import { DescribeInstanceAttributeCommand, DescribeSpotInstanceRequestsCommand, type Instance, type Volume } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { createKmsClient } from '../lib/clients/kms';
import { describeInstance, describeVolumes } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { resolveUsableKey } from './lib/kms';
import { logger } from '../lib/logger';
import { MAX_VOLUMES_PER_EXECUTION } from '../lib/polling';
import { TAG, copyableTags, tagValue } from '../lib/tags';
import type { Plan, RunContext, VolumePlan } from './lib/types';

const ec2 = createEc2Client();
const kms = createKmsClient();

/** Read-only: decides what apply would do, and refuses what must not be touched, before any change. */
export const handler = async ({ request }: RunContext): Promise<Plan> => {
  const instance = await describeInstance(ec2, request.instanceId);
  const state = instance.State?.Name ?? 'unknown';
  refuseUntouchable(instance, state);

  const mappings = (instance.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.VolumeId && m.DeviceName);
  const attachedIds = mappings.map((m) => m.Ebs?.VolumeId as string);
  const notAttached = (request.volumeIds ?? []).filter((id) => !attachedIds.includes(id));
  if (notAttached.length > 0) {
    throw new PreconditionFailedError(`volumeIds not attached to ${request.instanceId}: ${notAttached.join(', ')}`);
  }
  const selectedIds = request.volumeIds ?? attachedIds;
  const volumes = await describeVolumes(ec2, selectedIds);
  const alreadyEncrypted = volumes.filter((v) => v.Encrypted).map((v) => v.VolumeId as string);
  const work = volumes.filter((v) => !v.Encrypted);
  refuseSharedVolumes(work, request.instanceId);

  const plans: VolumePlan[] = work.map((volume) => {
    const mapping = mappings.find((m) => m.Ebs?.VolumeId === volume.VolumeId);
    return toVolumePlan(volume, mapping?.DeviceName as string, mapping?.Ebs?.DeleteOnTermination ?? false, instance);
  });
  if (plans.length > MAX_VOLUMES_PER_EXECUTION) {
    throw new PreconditionFailedError(
      `${plans.length} volumes to encrypt; one execution handles at most ${MAX_VOLUMES_PER_EXECUTION} (its history must stay within Step Functions' limit): split them with volumeIds`,
    );
  }
  const wasRunning = state === 'running';
  const base = {
    instance: {
      instanceId: request.instanceId,
      state,
      availabilityZone: instance.Placement?.AvailabilityZone ?? '',
      ...(instance.RootDeviceName ? { rootDeviceName: instance.RootDeviceName } : {}),
      wasRunning,
    },
    volumes: plans,
    alreadyEncrypted,
    needsStop: wasRunning && plans.length > 0,
  };
  if (plans.length === 0) return { ...base, kmsKeyArn: '', outcome: 'NO_ACTION' };
  if (state !== 'running' && state !== 'stopped') {
    throw new PreconditionFailedError(`instance ${request.instanceId} is ${state}; retry once it is running or stopped`);
  }

  const kmsKeyArn = await resolveUsableKey(ec2, kms, request.kmsKeyId);
  if (request.mode === 'plan') return { ...base, kmsKeyArn, outcome: 'PLANNED' };
  if (base.needsStop) await refuseStop(instance, request.allowStop || request.approval);
  logger.info('plan ready', { volumes: plans.length, needsStop: base.needsStop });
  return { ...base, kmsKeyArn, outcome: 'PROCEED' };
};

function refuseUntouchable(instance: Instance, state: string): void {
  const id = instance.InstanceId;
  if (state === 'terminated' || state === 'shutting-down') throw new PreconditionFailedError(`instance ${id} is ${state}`);
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') {
    throw new PreconditionFailedError(`instance ${id} is excluded by tag ${TAG.exclude}=true`);
  }
  const group = tagValue(instance.Tags, 'aws:autoscaling:groupName');
  if (group) {
    throw new PreconditionFailedError(`instance ${id} is a member of Auto Scaling group ${group}; fix its launch template instead`);
  }
  if (instance.RootDeviceType === 'instance-store') {
    throw new PreconditionFailedError(`instance ${id} has an instance-store root device; it cannot be stopped`);
  }
}

function refuseSharedVolumes(volumes: Volume[], instanceId: string): void {
  for (const volume of volumes) {
    const others = (volume.Attachments ?? []).filter((a) => a.InstanceId && a.InstanceId !== instanceId);
    if (others.length > 0) {
      throw new PreconditionFailedError(
        `volume ${volume.VolumeId} is also attached to ${others.map((a) => a.InstanceId).join(', ')}`,
      );
    }
  }
}

/** `stopAgreed`: allowStop, or approval (a person agrees before the stop). */
async function refuseStop(instance: Instance, stopAgreed: boolean): Promise<void> {
  const id = instance.InstanceId as string;
  if (!stopAgreed) {
    throw new PreconditionFailedError(`instance ${id} is running and must be stopped to swap volumes; set allowStop: true (or approval: true to be asked first)`);
  }
  const attribute = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'disableApiStop' }));
  if (attribute.DisableApiStop?.Value) throw new PreconditionFailedError(`instance ${id} has stop protection (disableApiStop)`);
  if (instance.InstanceLifecycle === 'spot' && instance.SpotInstanceRequestId) {
    const out = await ec2.send(
      new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [instance.SpotInstanceRequestId] }),
    );
    if (out.SpotInstanceRequests?.[0]?.Type !== 'persistent') {
      throw new PreconditionFailedError(`instance ${id} is a one-time Spot instance; stopping it would end it`);
    }
  }
}

function toVolumePlan(volume: Volume, device: string, deleteOnTermination: boolean, instance: Instance): VolumePlan {
  const plan: VolumePlan = {
    volumeId: volume.VolumeId as string,
    device,
    isRoot: device === instance.RootDeviceName,
    sizeGiB: volume.Size ?? 0,
    volumeType: volume.VolumeType ?? 'gp2',
    multiAttachEnabled: volume.MultiAttachEnabled ?? false,
    deleteOnTermination,
    availabilityZone: volume.AvailabilityZone ?? '',
    tags: copyableTags(volume.Tags),
  };
  // gp2/st1/sc1 derive IOPS from size; only provisioned values are carried over.
  if (['io1', 'io2', 'gp3'].includes(plan.volumeType) && volume.Iops) plan.iops = volume.Iops;
  if (plan.volumeType === 'gp3' && volume.Throughput) plan.throughput = volume.Throughput;
  return plan;
}
