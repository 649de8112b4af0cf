import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeVolumesCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, type KeyMetadata } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/preflight';
import { PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import type { EncryptVolumesInput } from '../../../tasks/ebs/lib/schema';
import { INSTANCE_ID, KEY_ARN, OTHER_INSTANCE_ID, awsError, instance, sentCommands } from '../fixtures';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);

const ROOT = 'vol-0aaaaaaaaaaaaaaa1';
const DATA = 'vol-0aaaaaaaaaaaaaaa2';
const ENCRYPTED = 'vol-0aaaaaaaaaaaaaaa3';
const rootVolume: Volume = {
  VolumeId: ROOT, Encrypted: false, Size: 8, VolumeType: 'gp3', Iops: 4000, Throughput: 250, AvailabilityZone: 'us-east-1a',
  Attachments: [{ InstanceId: INSTANCE_ID, State: 'attached' }],
  Tags: [{ Key: 'Name', Value: 'root' }, { Key: 'aws:cloudformation:stack-name', Value: 's' }, { Key: 'remediation:phase', Value: 'x' }],
};
const dataVolume: Volume = { VolumeId: DATA, Encrypted: false, Size: 500, VolumeType: 'gp2', Iops: 1500, AvailabilityZone: 'us-east-1a', MultiAttachEnabled: false };
const encryptedVolume: Volume = { VolumeId: ENCRYPTED, Encrypted: true, Size: 20, VolumeType: 'gp3', AvailabilityZone: 'us-east-1a' };
const mappings = [
  { DeviceName: '/dev/xvda', Ebs: { VolumeId: ROOT, DeleteOnTermination: true } },
  { DeviceName: '/dev/sdf', Ebs: { VolumeId: DATA, DeleteOnTermination: false } },
  { DeviceName: '/dev/sdg', Ebs: { VolumeId: ENCRYPTED, DeleteOnTermination: false } },
];
const enabledKey: KeyMetadata = { KeyId: 'k', Arn: KEY_ARN, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' };

interface Scenario { instance?: Partial<Instance>; volumes?: Volume[]; key?: Partial<KeyMetadata> | Error; disableApiStop?: boolean }
function given(s: Scenario = {}): void {
  const inst = instance({ State: { Name: 'stopped' }, BlockDeviceMappings: mappings, ...s.instance });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [inst] }] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: s.volumes ?? [rootVolume, dataVolume, encryptedVolume] });
  ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiStop: { Value: s.disableApiStop ?? false } });
  if (s.key instanceof Error) kms.on(DescribeKeyCommand).rejects(s.key);
  else kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { ...enabledKey, ...s.key } });
}
const run = (request: Partial<EncryptVolumesInput> = {}) => handler({
  request: { instanceId: INSTANCE_ID, kmsKeyId: KEY_ARN, strategy: 'copy', allowStop: false, approval: false, mode: 'apply', trigger: { source: 'console' }, ...request },
  execution: { name: 'exec-0001', startTime: '2026-03-01T12:00:00.000Z' },
});
const running = { State: { Name: 'running' as const } };

beforeEach(() => {
  ec2.reset();
  kms.reset();
});

describe('preflight', () => {
  it('plans every unencrypted volume of a stopped instance, carrying gp3 IOPS and throughput but not gp2 IOPS', async () => {
    // Prepare
    given();

    // Act
    const plan = await run();

    // Assess
    expect(plan).toEqual({
      instance: { instanceId: INSTANCE_ID, state: 'stopped', availabilityZone: 'us-east-1a', rootDeviceName: '/dev/xvda', wasRunning: false },
      kmsKeyArn: KEY_ARN,
      volumes: [
        { volumeId: ROOT, device: '/dev/xvda', isRoot: true, sizeGiB: 8, volumeType: 'gp3', iops: 4000, throughput: 250, multiAttachEnabled: false,
          deleteOnTermination: true, availabilityZone: 'us-east-1a', tags: [{ Key: 'Name', Value: 'root' }] },
        { volumeId: DATA, device: '/dev/sdf', isRoot: false, sizeGiB: 500, volumeType: 'gp2', multiAttachEnabled: false,
          deleteOnTermination: false, availabilityZone: 'us-east-1a', tags: [] },
      ],
      alreadyEncrypted: [ENCRYPTED],
      needsStop: false,
      outcome: 'PROCEED',
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [ROOT, DATA, ENCRYPTED] });
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: KEY_ARN });
    expect(ec2).not.toHaveReceivedCommand(DescribeInstanceAttributeCommand);
  });

  it('plans only the requested volumeIds', async () => {
    // Prepare
    given({ volumes: [dataVolume] });

    // Act
    const plan = await run({ volumeIds: [DATA] });

    // Assess
    expect(plan.volumes.map((v) => v.volumeId)).toEqual([DATA]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [DATA] });
  });

  it('collects volumes from every DescribeVolumes page', async () => {
    // Prepare
    given();
    ec2.on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [rootVolume], NextToken: 'page-2' })
      .resolvesOnce({ Volumes: [dataVolume, encryptedVolume] });

    // Act
    const plan = await run();

    // Assess
    expect(plan.volumes.map((v) => v.volumeId)).toEqual([ROOT, DATA]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 2);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeVolumesCommand, { NextToken: 'page-2' });
  });

  it('proceeds with a running instance when allowStop is true and stop protection is off', async () => {
    // Prepare
    given({ instance: running });

    // Act
    const plan = await run({ allowStop: true });

    // Assess
    expect(plan).toMatchObject({ outcome: 'PROCEED', needsStop: true, instance: { wasRunning: true, state: 'running' } });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstanceAttributeCommand, { InstanceId: INSTANCE_ID, Attribute: 'disableApiStop' });
  });

  it('uses the EBS default key when no key is given', async () => {
    // Prepare
    given();
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:alias/ebs-default' });

    // Act
    const plan = await run({ kmsKeyId: undefined });

    // Assess
    expect(plan.kmsKeyArn).toBe(KEY_ARN);
    expect(ec2).toHaveReceivedCommandTimes(GetEbsDefaultKmsKeyIdCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: 'arn:aws:kms:us-east-1:111122223333:alias/ebs-default' });
  });

  it('resolves an alias to the key ARN', async () => {
    // Prepare
    given();

    // Act
    const plan = await run({ kmsKeyId: 'alias/ebs-remediation' });

    // Assess
    expect(plan.kmsKeyArn).toBe(KEY_ARN);
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: 'alias/ebs-remediation' });
    expect(ec2).not.toHaveReceivedCommand(GetEbsDefaultKmsKeyIdCommand);
  });

  it('reports NO_ACTION when every volume is encrypted, before checking allowStop or the key', async () => {
    // Prepare
    given({ instance: running, volumes: [encryptedVolume], key: { KeyState: 'Disabled' } });

    // Act
    const plan = await run({ volumeIds: [ENCRYPTED], allowStop: false });

    // Assess
    expect(plan).toMatchObject({ outcome: 'NO_ACTION', volumes: [], alreadyEncrypted: [ENCRYPTED], needsStop: false, kmsKeyArn: '' });
    expect(kms).not.toHaveReceivedCommand(DescribeKeyCommand);
    expect(sentCommands(ec2)).toEqual(['DescribeInstancesCommand', 'DescribeVolumesCommand']);
  });

  it('reports PLANNED in plan mode, with the stop it would need, even without allowStop', async () => {
    // Prepare
    given({ instance: running });

    // Act
    const plan = await run({ mode: 'plan', allowStop: false });

    // Assess
    expect(plan).toMatchObject({ outcome: 'PLANNED', needsStop: true, kmsKeyArn: KEY_ARN });
    expect(plan.volumes.map((v) => v.volumeId)).toEqual([ROOT, DATA]);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstanceAttributeCommand);
  });

  const other = { InstanceId: OTHER_INSTANCE_ID, State: 'attached' as const };
  const oneTimeSpot = { ...running, InstanceLifecycle: 'spot' as const, SpotInstanceRequestId: 'sir-1' };
  it.each<[string, Scenario, Partial<EncryptVolumesInput>, string, string[]]>([
    ['an instance tagged remediation:exclude=true', { instance: { Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] } }, {},
      `instance ${INSTANCE_ID} is excluded by tag remediation:exclude=true`, ['DescribeInstances']],
    ['an Auto Scaling group member', { instance: { Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web-asg' }] } }, {},
      `instance ${INSTANCE_ID} is a member of Auto Scaling group web-asg; fix its launch template instead`, ['DescribeInstances']],
    ['an instance-store root', { instance: { RootDeviceType: 'instance-store' } }, {},
      `instance ${INSTANCE_ID} has an instance-store root device; it cannot be stopped`, ['DescribeInstances']],
    ['a terminated instance', { instance: { State: { Name: 'terminated' } } }, {}, `instance ${INSTANCE_ID} is terminated`, ['DescribeInstances']],
    ['a shutting-down instance', { instance: { State: { Name: 'shutting-down' } } }, {}, `instance ${INSTANCE_ID} is shutting-down`, ['DescribeInstances']],
    ['volumeIds that are not attached', {}, { volumeIds: [DATA, 'vol-0bbbbbbbbbbbbbbb9'] },
      `volumeIds not attached to ${INSTANCE_ID}: vol-0bbbbbbbbbbbbbbb9`, ['DescribeInstances']],
    ['a volume also attached to another instance', { volumes: [{ ...dataVolume, MultiAttachEnabled: true, Attachments: [{ InstanceId: INSTANCE_ID, State: 'attached' }, other] }] },
      { volumeIds: [DATA] }, `volume ${DATA} is also attached to ${OTHER_INSTANCE_ID}`, ['DescribeInstances', 'DescribeVolumes']],
    ['an instance that is stopping', { instance: { State: { Name: 'stopping' } } }, {},
      `instance ${INSTANCE_ID} is stopping; retry once it is running or stopped`, ['DescribeInstances', 'DescribeVolumes']],
    ['a running instance without allowStop', { instance: running }, { allowStop: false },
      `instance ${INSTANCE_ID} is running and must be stopped to swap volumes; set allowStop: true (or approval: true to be asked first)`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['a running instance with stop protection', { instance: running, disableApiStop: true }, { allowStop: true },
      `instance ${INSTANCE_ID} has stop protection (disableApiStop)`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey', 'DescribeInstanceAttribute']],
    ['a one-time Spot instance', { instance: oneTimeSpot }, { allowStop: true }, `instance ${INSTANCE_ID} is a one-time Spot instance; stopping it would end it`,
      ['DescribeInstances', 'DescribeVolumes', 'DescribeKey', 'DescribeInstanceAttribute', 'DescribeSpotInstanceRequests']],
    ['a disabled key', { key: { KeyState: 'Disabled' } }, {}, `KMS key ${KEY_ARN} is Disabled, not Enabled`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['a key pending deletion', { key: { KeyState: 'PendingDeletion' } }, {}, `KMS key ${KEY_ARN} is PendingDeletion, not Enabled`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['a key that does not exist', { key: awsError('NotFoundException') }, {}, `KMS key ${KEY_ARN} does not exist`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['a key it may not use', { key: awsError('AccessDeniedException', 'denied') }, {}, `KMS key ${KEY_ARN} is not accessible: denied`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['an asymmetric key', { key: { KeySpec: 'RSA_2048' } }, {}, `KMS key ${KEY_ARN} is RSA_2048; EBS needs a symmetric key`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
    ['a signing key', { key: { KeyUsage: 'SIGN_VERIFY' } }, {}, `KMS key ${KEY_ARN} has usage SIGN_VERIFY; EBS needs ENCRYPT_DECRYPT`, ['DescribeInstances', 'DescribeVolumes', 'DescribeKey']],
  ])('refuses %s without changing anything', async (_case, scenario, request, message, calls) => {
    // Prepare
    given(scenario);
    ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [{ Type: 'one-time' }] });

    // Act
    const result = run(request);

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message });
    const sent = [...sentCommands(ec2), ...sentCommands(kms)].map((name) => name.replace(/Command$/, ''));
    expect(sent.sort()).toEqual([...calls].sort());
  });

  it('proceeds with a persistent Spot instance', async () => {
    // Prepare
    given({ instance: { ...running, InstanceLifecycle: 'spot', SpotInstanceRequestId: 'sir-1' } });
    ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [{ Type: 'persistent' }] });

    // Act
    const plan = await run({ allowStop: true });

    // Assess
    expect(plan.outcome).toBe('PROCEED');
    expect(ec2).toHaveReceivedCommandWith(DescribeSpotInstanceRequestsCommand, { SpotInstanceRequestIds: ['sir-1'] });
  });

  it.each([
    ['the instance is gone', () => ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound')), `instance ${INSTANCE_ID} not found`],
    ['no reservation is returned', () => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] }), `instance ${INSTANCE_ID} not found`],
    ['a volume is gone', () => ec2.on(DescribeVolumesCommand).rejects(awsError('InvalidVolume.NotFound')), `volume not found: ${ROOT}, ${DATA}, ${ENCRYPTED}`],
  ])('throws ResourceNotFoundError when %s', async (_case, arrange, message) => {
    // Prepare
    given();
    arrange();

    // Act
    const result = run();

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ name: 'ResourceNotFoundError', message });
  });

  it.each([
    ['EC2', 'RequestLimitExceeded', () => ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['KMS', 'ThrottlingException', () => kms.on(DescribeKeyCommand).rejects(awsError('ThrottlingException'))],
  ])('lets a transient %s error through with its name for Retry', async (_service, name, arrange) => {
    // Prepare
    given();
    arrange();

    // Act / Assess
    await expect(run()).rejects.toMatchObject({ name });
  });
});
