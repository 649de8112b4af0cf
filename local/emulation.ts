import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, paginateListAliases } from '@aws-sdk/client-kms';
import { ConfigServiceClient, DescribeDeliveryChannelsCommand, type DeliveryChannel } from '@aws-sdk/client-config-service';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudTrailClient, GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import type { AwsCall } from '../tasks/lib/client-hooks';
import { refuseDuplicateRules } from './emulation/duplicate-rules';
import { createImage } from './emulation/images';
import { copyVolumes, describeVolumeStatus, describedVolumes } from './emulation/copy-volumes';
import { primaryInterfaceGroupsFollow } from './emulation/interface-groups';
import { SnapshotBlocks } from './emulation/snapshot-blocks';

/** An error shaped like the SDK's service exceptions, so handlers and ErrorEquals see the real name. */
export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** The alias of the local stand-in for the AWS-managed EBS key (`alias/aws/...` is reserved for AWS). */
export const EBS_DEFAULT_KEY_ALIAS = 'alias/remediation-local/aws-ebs';

/**
 * What moto lacks or gets wrong, answered as AWS would. Raw clients (no hooks)
 * read the emulated account so these answers stay consistent with moto's state.
 */
export class Emulation {
  private readonly ec2 = new EC2Client({});
  private readonly kms = new KMSClient({});
  private defaultKeyArn?: string;

  /**
   * EC2 GetEbsDefaultKmsKeyId (moto lacks it). EC2 creates the AWS-managed EBS key on first use and answers
   * with it ever after; locally an ordinary key under EBS_DEFAULT_KEY_ALIAS plays it, found in the emulator
   * before one is created, so every run against one emulator (plan, then apply) names the same key.
   */
  async ebsDefaultKmsKeyId(): Promise<{ KmsKeyId: string }> {
    this.defaultKeyArn ??= (await this.findEbsDefaultKey()) ?? (await this.createEbsDefaultKey());
    return { KmsKeyId: this.defaultKeyArn };
  }

  private async findEbsDefaultKey(): Promise<string | undefined> {
    for await (const page of paginateListAliases({ client: this.kms }, {})) {
      const alias = page.Aliases?.find((a) => a.AliasName === EBS_DEFAULT_KEY_ALIAS);
      if (alias?.TargetKeyId) return alias.AliasArn?.replace(/:alias\/.*$/, `:key/${alias.TargetKeyId}`);
    }
    return undefined;
  }

  private async createEbsDefaultKey(): Promise<string> {
    const key = (await this.kms.send(new CreateKeyCommand({ Description: 'local stand-in for aws/ebs' }))).KeyMetadata;
    try {
      await this.kms.send(new CreateAliasCommand({ AliasName: EBS_DEFAULT_KEY_ALIAS, TargetKeyId: key?.KeyId }));
    } catch (error) {
      // Another run created it first: use that one (this key stays unused).
      if ((error as Error).name !== 'AlreadyExistsException') throw error;
      return (await this.findEbsDefaultKey()) as string;
    }
    return key?.Arn as string;
  }

  /** EBS direct ListSnapshotBlocks and ListChangedBlocks (moto lacks them for EC2 snapshots): local/emulation/snapshot-blocks.ts. */
  readonly snapshotBlocks: SnapshotBlocks;

  constructor(faults: { copyLosesBlock?: string; blockPageSize?: number } = {}) {
    this.snapshotBlocks = new SnapshotBlocks(this.ec2, awsError, { ...(faults.copyLosesBlock ? { copyLosesBlock: faults.copyLosesBlock } : {}), ...(faults.blockPageSize ? { pageSize: faults.blockPageSize } : {}) });
  }

  /** After a call moto answered: what EC2 would also have changed (local/emulation/interface-groups.ts). */
  async followUp(call: AwsCall): Promise<void> {
    await primaryInterfaceGroupsFollow(this.ec2, call);
  }

  /** EC2 CreateImage: duplicate names refused, snapshot tags applied (local/emulation/images.ts). */
  async createImage(call: AwsCall): Promise<unknown> {
    return createImage(this.ec2, call, awsError);
  }

  /** EC2 CopyVolumes (moto lacks it): local/emulation/copy-volumes.ts. */
  async copyVolumes(call: AwsCall): Promise<unknown> {
    return copyVolumes(this.ec2, call.input as never, awsError);
  }

  /** EC2 DescribeVolumeStatus (moto answers 500), with the copies' initialization. */
  async describeVolumeStatus(call: AwsCall): Promise<unknown> {
    return describeVolumeStatus(this.ec2, call.input as never, awsError);
  }

  /** What moto answers about volumes, with the copies' `creating` state and source as EC2 reports them. */
  volumeCopyStates(call: AwsCall, output: unknown): unknown {
    return call.service === 'ec2' && call.command === 'DescribeVolumes' ? describedVolumes(output as never) : output;
  }

  /** EC2's refusals that moto does not make: attaching to a used device, across zones, or an in-use volume; detaching a running instance's root. */
  async refuseWhatEc2Refuses(call: AwsCall): Promise<void> {
    await refuseDuplicateRules(this.ec2, call, awsError);
    if (call.service !== 'ec2' || (call.command !== 'AttachVolume' && call.command !== 'DetachVolume')) return;
    const instanceId = call.input.InstanceId as string;
    const volumeId = call.input.VolumeId as string;
    const instance = (await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    if (!instance) throw awsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    const volume = (await this.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0];
    if (!volume) throw awsError('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    const running = instance.State?.Name !== 'stopped';
    if (call.command === 'DetachVolume') {
      const attachment = volume.Attachments?.find((a) => a.InstanceId === instanceId);
      if (running && attachment?.Device === instance.RootDeviceName) {
        throw awsError('IncorrectState', `Unable to detach root volume '${volumeId}' from instance '${instanceId}'`);
      }
      return;
    }
    const device = call.input.Device as string;
    const inUse = instance.BlockDeviceMappings?.find((m) => m.DeviceName === device && m.Ebs?.VolumeId !== volumeId);
    if (inUse) throw awsError('InvalidParameterValue', `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
    if (volume.AvailabilityZone !== instance.Placement?.AvailabilityZone) {
      throw awsError('InvalidVolume.ZoneMismatch', `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`);
    }
    if (volume.State !== 'available') throw awsError('VolumeInUse', `${volumeId} is already attached to an instance`);
    if (running && device === instance.RootDeviceName) {
      throw awsError('IncorrectState', `Unable to attach a root volume to running instance '${instanceId}'`);
    }
  }

  /**
   * IAM CreateServiceLinkedRole for AWS Config: moto names the role AWSServiceRoleForconfig (lower case), so GetRole of
   * AWSServiceRoleForConfig would never find it. We create it under AWS's name and path, and refuse a second as IAM does.
   * Other services go to moto as they are.
   */
  async createServiceLinkedRole(input: Record<string, unknown>, next: () => Promise<unknown>): Promise<unknown> {
    if (input.AWSServiceName !== 'config.amazonaws.com') return next();
    const iam = new IAMClient({});
    const RoleName = 'AWSServiceRoleForConfig';
    const exists = await iam.send(new GetRoleCommand({ RoleName })).then(() => true, () => false);
    if (exists) throw awsError('InvalidInputException', `Service role name ${RoleName} has been taken in this account, please try a different suffix.`);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const out = await iam.send(new CreateRoleCommand({ RoleName, Path: '/aws-service-role/config.amazonaws.com/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    return { Role: out.Role, $metadata: {} };
  }

  private async bucketExists(bucket: string | undefined): Promise<boolean> {
    if (!bucket) return false;
    return new S3Client({ forcePathStyle: true }).send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  }

  private async channels(): Promise<DeliveryChannel[]> {
    return (await new ConfigServiceClient({}).send(new DescribeDeliveryChannelsCommand({}))).DeliveryChannels ?? [];
  }

  /**
   * Config DescribeDeliveryChannelStatus (moto answers 500): each channel's deliveries succeed when its
   * bucket exists and fail with NoSuchBucket when it does not, as Config reports them.
   */
  async describeDeliveryChannelStatus(input: Record<string, unknown>): Promise<unknown> {
    const names = input.DeliveryChannelNames as string[] | undefined;
    const now = new Date();
    const statuses = await Promise.all((await this.channels()).filter((c) => !names?.length || names.includes(c.name as string)).map(async (c) => {
      const delivery = (await this.bucketExists(c.s3BucketName))
        ? { lastStatus: 'Success', lastAttemptTime: now, lastSuccessfulTime: now }
        : { lastStatus: 'Failure', lastErrorCode: 'NoSuchBucket', lastErrorMessage: 'The specified bucket does not exist', lastAttemptTime: now };
      return { name: c.name, configSnapshotDeliveryInfo: delivery, configHistoryDeliveryInfo: delivery, configStreamDeliveryInfo: { lastStatus: 'Not_Applicable' } };
    }));
    return { DeliveryChannelsStatus: statuses, $metadata: {} };
  }

  /**
   * Config DescribeConfigurationRecorderStatus: moto leaves a started recorder PENDING for ever; Config
   * reports SUCCESS once it has recorded and delivered, which here means: its channel's bucket exists.
   */
  async recorderStatus(output: unknown): Promise<unknown> {
    const statuses = (output as { ConfigurationRecordersStatus?: { recording?: boolean; lastStatus?: string; lastStatusChangeTime?: Date }[] }).ConfigurationRecordersStatus ?? [];
    const pending = statuses.filter((s) => s.recording && s.lastStatus?.toUpperCase() === 'PENDING');
    if (pending.length > 0 && (await this.bucketExists((await this.channels())[0]?.s3BucketName))) {
      for (const status of pending) Object.assign(status, { lastStatus: 'SUCCESS', lastStatusChangeTime: new Date() });
    }
    return output;
  }

  /** CloudTrail CreateTrail with a name already taken: AWS refuses with TrailAlreadyExistsException, moto overwrites the trail. */
  async refuseWhatCloudTrailRefuses(call: AwsCall): Promise<void> {
    if (call.service !== 'cloudtrail' || call.command !== 'CreateTrail') return;
    const name = call.input.Name as string;
    const exists = await new CloudTrailClient({}).send(new GetTrailCommand({ Name: name })).then(() => true, () => false);
    if (exists) throw awsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${name}`);
  }
}
