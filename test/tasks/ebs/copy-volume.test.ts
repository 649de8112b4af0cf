import { createHash } from 'node:crypto';
import { CopyVolumesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/copy-volume';
import { COPY_VOLUMES_LIMIT_EXCEEDED } from '../../../tasks/ebs/lib/volume-copy';
import type { VolumeWork } from '../../../tasks/ebs/lib/types';
import { EXECUTION_NAME, KEY_ARN, awsError, ec2Volume, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const volume = volumeWork({ multiAttachEnabled: true, tags: [{ Key: 'Name', Value: 'web-root' }, { Key: 'app', Value: 'billing' }] });
const copy = (v: VolumeWork = volume) => handler({ volume: v, executionName: EXECUTION_NAME, kmsKeyArn: KEY_ARN });
const copyInput = () => ec2.commandCalls(CopyVolumesCommand)[0]?.args[0].input;

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(CopyVolumesCommand).resolves({ Volumes: [ec2Volume('vol-0ccccccccccccccc1', 'creating')] });
});

describe('copy-volume', () => {
  it('copies the stopped original encrypted with its type, size, IOPS, throughput and multi-attach passed explicitly, our tags and its own, and a ClientToken', async () => {
    // Act
    const out = await copy();

    // Assess
    expect(out).toEqual({ ...volume, newVolumeId: 'vol-0ccccccccccccccc1' });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [
        { Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] },
        { Name: 'tag:remediation:phase', Values: ['replacement'] },
        { Name: 'tag:remediation:source-volume', Values: [volume.volumeId] },
      ],
    });
    expect(copyInput()).toEqual({
      SourceVolumeId: volume.volumeId,
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
          // CopyVolumes copies no tags: the source's own are passed, then ours
          { Key: 'Name', Value: 'web-root' },
          { Key: 'app', Value: 'billing' },
          { Key: 'remediation:workflow', Value: 'encrypt-volumes' },
          { Key: 'remediation:execution', Value: EXECUTION_NAME },
          { Key: 'remediation:phase', Value: 'replacement' },
          { Key: 'remediation:source-volume', Value: volume.volumeId },
          { Key: 'remediation:lock', Value: EXECUTION_NAME },
        ],
      }],
    });
  });

  it('passes the type of a gp2 volume explicitly too, and neither IOPS nor throughput (gp2 derives them from size)', async () => {
    // Prepare
    const gp2 = volumeWork({ volumeType: 'gp2', iops: undefined, throughput: undefined });

    // Act
    await copy(gp2);

    // Assess
    expect(copyInput()).toMatchObject({ VolumeType: 'gp2', Size: 100, MultiAttachEnabled: false });
    expect(copyInput()).not.toHaveProperty('Iops');
    expect(copyInput()).not.toHaveProperty('Throughput');
  });

  it('re-run: finds the copy an earlier attempt made by its tags and makes no second one', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume('vol-0ccccccccccccccc9', 'creating')] });

    // Act
    const out = await copy();

    // Assess
    expect(out.newVolumeId).toBe('vol-0ccccccccccccccc9');
    expect(ec2).not.toHaveReceivedCommand(CopyVolumesCommand);
  });

  it('ignores a failed earlier copy and makes a new one with the same ClientToken', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume('vol-0ccccccccccccccc9', 'error')] });

    // Act
    const out = await copy();

    // Assess
    expect(out.newVolumeId).toBe('vol-0ccccccccccccccc1');
    expect(ec2).toHaveReceivedCommandTimes(CopyVolumesCommand, 1);
  });

  it('leaves CopyVolumesLimitExceeded to the state machine (which queues on it): thrown with its name', async () => {
    // Prepare
    ec2.on(CopyVolumesCommand).rejects(awsError(COPY_VOLUMES_LIMIT_EXCEEDED, 'too many copies in progress'));

    // Act / Assess
    await expect(copy()).rejects.toMatchObject({ name: COPY_VOLUMES_LIMIT_EXCEEDED });
  });
});
