import { AttachVolumeCommand, DetachVolumeCommand, ModifyInstanceAttributeCommand, type EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { describeVolumes } from '../../lib/ec2';
import { ResourceNotFoundError } from '../../lib/errors';

/** Reads several volumes and returns them by id, failing if one is gone. */
export async function volumesById(ec2: EC2Client, ids: string[]): Promise<Map<string, Volume>> {
  const found = await describeVolumes(ec2, ids);
  const byId = new Map(found.map((v) => [v.VolumeId as string, v]));
  for (const id of ids) if (!byId.has(id)) throw new ResourceNotFoundError(`volume ${id} not found`);
  return byId;
}

export async function detach(ec2: EC2Client, volumeId: string, instanceId: string, device: string): Promise<void> {
  await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
}

export async function attach(ec2: EC2Client, volumeId: string, instanceId: string, device: string): Promise<void> {
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
}

/** AttachVolume always sets DeleteOnTermination false; this puts the original's value back. */
export async function setDeleteOnTermination(ec2: EC2Client, instanceId: string, device: string, value: boolean): Promise<void> {
  await ec2.send(
    new ModifyInstanceAttributeCommand({
      InstanceId: instanceId,
      BlockDeviceMappings: [{ DeviceName: device, Ebs: { DeleteOnTermination: value } }],
    }),
  );
}
