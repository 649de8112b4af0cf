import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type Tag,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export const SEED_AZ = 'us-east-1a';
export const SEED_AMI = 'ami-12c6146b';

export interface SeedVolume {
  device: string;
  sizeGiB: number;
  volumeType: VolumeType;
  iops?: number;
  throughput?: number;
  encrypted?: boolean;
  deleteOnTermination?: boolean;
  tags?: Tag[];
}

export interface SeedInstanceOptions {
  name: string;
  rootGiB?: number;
  rootType?: VolumeType;
  dataVolumes?: SeedVolume[];
  state?: 'running' | 'stopped';
  tags?: Tag[];
  kmsKeyArn?: string;
}

export interface SeededInstance {
  instanceId: string;
  rootVolumeId: string;
  rootDevice: string;
  volumes: Record<string, string>;
}

/** Builds instances in the emulated account. Data volumes are created then attached, which keeps their IOPS/throughput in moto. */
export class AccountSeeder {
  readonly ec2 = new EC2Client({});
  readonly kms = new KMSClient({});

  async createKey(alias: string): Promise<string> {
    const key = await this.kms.send(new CreateKeyCommand({ Description: `seeded key ${alias}` }));
    await this.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata?.KeyId }));
    return key.KeyMetadata?.Arn as string;
  }

  async createInstance(options: SeedInstanceOptions): Promise<SeededInstance> {
    const run = await this.ec2.send(new RunInstancesCommand({
      ImageId: SEED_AMI,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: SEED_AZ },
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: options.rootGiB ?? 8, VolumeType: options.rootType ?? 'gp2', DeleteOnTermination: true } }],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: options.name }, ...(options.tags ?? [])] }],
    }));
    const instanceId = run.Instances?.[0]?.InstanceId as string;
    const volumes: Record<string, string> = {};
    for (const spec of options.dataVolumes ?? []) {
      const created = await this.ec2.send(new CreateVolumeCommand({
        AvailabilityZone: SEED_AZ,
        Size: spec.sizeGiB,
        VolumeType: spec.volumeType,
        ...(spec.iops ? { Iops: spec.iops } : {}),
        ...(spec.throughput ? { Throughput: spec.throughput } : {}),
        ...(spec.encrypted ? { Encrypted: true, KmsKeyId: options.kmsKeyArn } : {}),
        TagSpecifications: [{ ResourceType: 'volume', Tags: spec.tags ?? [{ Key: 'Name', Value: `${options.name}${spec.device}` }] }],
      }));
      const volumeId = created.VolumeId as string;
      await this.ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: spec.device }));
      if (spec.deleteOnTermination) {
        await this.ec2.send(new ModifyInstanceAttributeCommand({
          InstanceId: instanceId,
          BlockDeviceMappings: [{ DeviceName: spec.device, Ebs: { DeleteOnTermination: true } }],
        }));
      }
      volumes[spec.device] = volumeId;
    }
    if (options.state === 'stopped') await this.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = await this.describe(instanceId);
    const rootDevice = instance.RootDeviceName as string;
    const rootVolumeId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === rootDevice)?.Ebs?.VolumeId as string;
    volumes[rootDevice] = rootVolumeId;
    return { instanceId, rootVolumeId, rootDevice, volumes };
  }

  async describe(instanceId: string) {
    const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw new Error(`instance ${instanceId} not found`);
    return instance;
  }
}
