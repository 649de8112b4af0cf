import {
  paginateDescribeInstances,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  DescribeInstancesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type Snapshot,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ResourceNotFoundError, awsErrorName } from './errors';

const NOT_FOUND = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<Instance> {
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw new ResourceNotFoundError(`instance ${instanceId} not found`);
    return instance;
  } catch (error) {
    if (NOT_FOUND.has(awsErrorName(error) ?? '')) throw new ResourceNotFoundError(`instance ${instanceId} not found`);
    throw error;
  }
}

export async function describeVolumes(ec2: EC2Client, volumeIds: string[]): Promise<Volume[]> {
  if (volumeIds.length === 0) return [];
  const volumes: Volume[] = [];
  try {
    for await (const page of paginateDescribeVolumes({ client: ec2 }, { VolumeIds: volumeIds })) {
      volumes.push(...(page.Volumes ?? []));
    }
  } catch (error) {
    if (awsErrorName(error) === 'InvalidVolume.NotFound') {
      throw new ResourceNotFoundError(`volume not found: ${volumeIds.join(', ')}`);
    }
    throw error;
  }
  return volumes;
}

/** Like describeVolumes, but a volume that does not exist is simply absent from the result. */
export async function describeVolumesIfExist(ec2: EC2Client, volumeIds: string[]): Promise<Volume[]> {
  try {
    return await describeVolumes(ec2, volumeIds);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return [];
    throw error;
  }
}

export async function describeVolume(ec2: EC2Client, volumeId: string): Promise<Volume> {
  const [volume] = await describeVolumes(ec2, [volumeId]);
  if (!volume) throw new ResourceNotFoundError(`volume ${volumeId} not found`);
  return volume;
}

export async function findVolumes(ec2: EC2Client, filters: Filter[]): Promise<Volume[]> {
  const volumes: Volume[] = [];
  for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: filters })) {
    volumes.push(...(page.Volumes ?? []));
  }
  return volumes;
}

/** Every instance the filters match, paginated. */
export async function findInstances(ec2: EC2Client, filters: Filter[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters: filters })) {
    instances.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
  }
  return instances;
}

export async function findSnapshots(ec2: EC2Client, filters: Filter[]): Promise<Snapshot[]> {
  const snapshots: Snapshot[] = [];
  for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ['self'], Filters: filters })) {
    snapshots.push(...(page.Snapshots ?? []));
  }
  return snapshots;
}

export async function describeSnapshots(ec2: EC2Client, snapshotIds: string[]): Promise<Snapshot[]> {
  const snapshots: Snapshot[] = [];
  try {
    for await (const page of paginateDescribeSnapshots({ client: ec2 }, { SnapshotIds: snapshotIds })) {
      snapshots.push(...(page.Snapshots ?? []));
    }
  } catch (error) {
    if (awsErrorName(error) === 'InvalidSnapshot.NotFound') {
      throw new ResourceNotFoundError(`snapshot not found: ${snapshotIds.join(', ')}`);
    }
    throw error;
  }
  return snapshots;
}

/** The attachment of a volume to one instance, if it has one. */
export function attachmentTo(volume: Volume, instanceId: string) {
  return volume.Attachments?.find((a) => a.InstanceId === instanceId);
}
