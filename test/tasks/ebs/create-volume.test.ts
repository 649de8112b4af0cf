import { createHash } from 'node:crypto';
import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/create-volume';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import type { Strategy } from '../../../tasks/ebs/lib/schema';
import type { VolumeWork } from '../../../tasks/ebs/lib/types';
import { EXECUTION_NAME, KEY_ARN, awsError, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const volume = volumeWork({ finalSnapshotId: 'snap-00000000000final', finalCopyId: 'snap-0000000finalcopy', multiAttachEnabled: true });
const create = (strategy: Strategy = 'copy', v: VolumeWork = volume) => handler({ volume: v, strategy, executionName: EXECUTION_NAME, kmsKeyArn: KEY_ARN });
const createInput = () => ec2.commandCalls(CreateVolumeCommand)[0]?.args[0].input;

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-0ccccccccccccccc1' });
});

describe('create-volume', () => {
  it('restores the encrypted final copy with the original type, size, IOPS, throughput, multi-attach and tags', async () => {
    // Act
    const out = await create('copy');

    // Assess
    expect(out).toEqual({ ...volume, newVolumeId: 'vol-0ccccccccccccccc1' });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [
        { Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] },
        { Name: 'tag:remediation:phase', Values: ['replacement'] },
        { Name: 'tag:remediation:source-volume', Values: [volume.volumeId] },
      ],
    });
    expect(createInput()).toEqual({
      SnapshotId: 'snap-0000000finalcopy',
      AvailabilityZone: 'us-east-1a',
      VolumeType: 'gp3',
      Size: 100,
      Iops: 4000,
      Throughput: 250,
      MultiAttachEnabled: true,
      Encrypted: true,
      KmsKeyId: KEY_ARN,
      ClientToken: createHash('sha256').update(`${EXECUTION_NAME}/${volume.volumeId}`).digest('hex'),
      TagSpecifications: [{
        ResourceType: 'volume',
        Tags: [
          { Key: 'Name', Value: 'web-root' },
          { Key: 'remediation:workflow', Value: 'encrypt-volumes' },
          { Key: 'remediation:execution', Value: EXECUTION_NAME },
          { Key: 'remediation:phase', Value: 'replacement' },
          { Key: 'remediation:source-volume', Value: volume.volumeId },
          // Held by this execution's lock until it is released: the swap may attach only what carries it.
          { Key: 'remediation:lock', Value: EXECUTION_NAME },
        ],
      }],
    });
  });

  it('encrypts while restoring the unencrypted final snapshot with the direct strategy', async () => {
    // Act
    await create('direct');

    // Assess
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, { SnapshotId: 'snap-00000000000final', Encrypted: true, KmsKeyId: KEY_ARN });
  });

  it('sends neither IOPS nor throughput for a gp2 volume', async () => {
    // Prepare
    const gp2 = volumeWork({ volumeType: 'gp2', iops: undefined, throughput: undefined, finalCopyId: 'snap-0000000finalcopy' });

    // Act
    await create('copy', gp2);

    // Assess
    expect(createInput()).toMatchObject({ VolumeType: 'gp2', Size: 100 });
    expect(createInput()).not.toHaveProperty('Iops');
    expect(createInput()).not.toHaveProperty('Throughput');
  });

  it('uses a ClientToken that is the same for a retry and differs between volumes', async () => {
    // Act
    await create('copy');
    await create('copy');
    await create('copy', { ...volume, volumeId: 'vol-0aaaaaaaaaaaaaaa2' });

    // Assess
    const tokens = ec2.commandCalls(CreateVolumeCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('returns the replacement an earlier attempt made, found on a later page, without creating another', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [], NextToken: 'page-2' })
      .resolvesOnce({ Volumes: [{ VolumeId: 'vol-0ccccccccccccccc9', State: 'creating' }] });

    // Act
    const out = await create('copy');

    // Assess
    expect(out.newVolumeId).toBe('vol-0ccccccccccccccc9');
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeVolumesCommand, { NextToken: 'page-2' });
    expect(ec2).not.toHaveReceivedCommand(CreateVolumeCommand);
  });

  it.each(['error', 'deleting', 'deleted'])('creates a new replacement when the earlier one is %s', async (State) => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0ccccccccccccccc9', State: State as 'error' }] });

    // Act
    const out = await create('copy');

    // Assess
    expect(out.newVolumeId).toBe('vol-0ccccccccccccccc1');
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 1);
  });

  it.each([
    ['copy', { ...volume, finalCopyId: undefined }],
    ['direct', { ...volume, finalSnapshotId: undefined }],
  ] as const)('throws PreconditionFailedError when the %s strategy has no snapshot to restore, sending nothing', async (strategy, v) => {
    // Act
    const result = create(strategy, v);

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `no final snapshot recorded for ${volume.volumeId}` });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['DescribeVolumes', 'RequestLimitExceeded', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['CreateVolume', 'InternalError', () => ec2.on(CreateVolumeCommand).rejects(awsError('InternalError'))],
    ['CreateVolume', 'VolumeLimitExceeded', () => ec2.on(CreateVolumeCommand).rejects(awsError('VolumeLimitExceeded'))],
  ])('lets a %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    arrange();

    // Act / Assess
    await expect(create('copy')).rejects.toMatchObject({ name });
  });
});
