import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, type VerifySwapEvent } from '../../../tasks/ebs/verify-swap';
import { ResourceNotFoundError, VerificationFailedError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, KEY_ARN, NOW, awsError, freezeTime, instance, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
const NEW = 'vol-0ccccccccccccccc1';
const compared = { status: 'matched' as const, method: 'changed' as const, nextIndex: 0, blocks: 3, pages: 2, invocations: 1 };
const planned = volumeWork({ volumeId: ORIGINAL, newVolumeId: NEW, finalSnapshotId: 'snap-00000000000final', finalCopyId: 'snap-0000000finalcopy', finalBlocks: compared });
const replacement: Volume = {
  VolumeId: NEW, State: 'in-use', Encrypted: true, KmsKeyId: KEY_ARN, Size: 100, VolumeType: 'gp3', Iops: 4000, Throughput: 250, MultiAttachEnabled: false,
};
const event = (overrides: Partial<VerifySwapEvent> = {}): VerifySwapEvent =>
  ({ instanceId: INSTANCE_ID, kmsKeyArn: KEY_ARN, strategy: 'copy', volumes: [planned], ...overrides });

function given(actual: Partial<Volume> = {}, mapping: { volumeId?: string; deleteOnTermination?: boolean } = {}): void {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: mapping.volumeId ?? NEW, DeleteOnTermination: mapping.deleteOnTermination ?? true } }],
  })] }] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ ...replacement, ...actual }] });
}
async function failure(e: VerifySwapEvent = event()): Promise<Error> {
  const error = await handler(e).then(() => undefined, (err: unknown) => err as Error);
  if (!error) throw new Error('expected verification to fail');
  return error;
}

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('verify-swap', () => {
  it('confirms each device holds its encrypted replacement and reports the block comparison made before the swap', async () => {
    // Prepare
    given();

    // Act
    const out = await handler(event());

    // Assess
    expect(out).toEqual({
      verifiedAt: NOW.toISOString(),
      devices: [{ device: '/dev/xvda', volumeId: NEW, encrypted: true, kmsKeyId: KEY_ARN }],
      blockComparisons: [{ volumeId: ORIGINAL, status: 'matched', method: 'changed', blocks: 3 }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [NEW] });
  });

  it.each<[string, Partial<Volume>, { volumeId?: string; deleteOnTermination?: boolean }, string]>([
    ['an unencrypted volume', { Encrypted: false }, {}, '/dev/xvda encrypted is false, expected true'],
    ['the wrong key', { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/other' }, {}, `/dev/xvda kmsKeyId is arn:aws:kms:us-east-1:111122223333:key/other, expected ${KEY_ARN}`],
    ['the wrong size', { Size: 50 }, {}, '/dev/xvda size is 50, expected 100'],
    ['the wrong type', { VolumeType: 'gp2' }, {}, '/dev/xvda type is gp2, expected gp3'],
    ['the wrong IOPS', { Iops: 3000 }, {}, '/dev/xvda iops is 3000, expected 4000'],
    ['the wrong throughput', { Throughput: 125 }, {}, '/dev/xvda throughput is 125, expected 250'],
    ['multi-attach switched on', { MultiAttachEnabled: true }, {}, '/dev/xvda multiAttach is true, expected false'],
    ['DeleteOnTermination not restored', {}, { deleteOnTermination: false }, '/dev/xvda deleteOnTermination is false, expected true'],
    ['the device still holding the original', {}, { volumeId: ORIGINAL }, `/dev/xvda holds ${ORIGINAL}, expected ${NEW}`],
  ])('fails with VerificationFailedError naming the field for %s, without comparing blocks', async (_case, actual, mapping, problem) => {
    // Prepare
    given(actual, mapping);

    // Act
    const error = await failure();

    // Assess
    expect(error).toBeInstanceOf(VerificationFailedError);
    expect(error.name).toBe('VerificationFailedError');
    expect(error.message).toBe(`verification failed: ${problem}`);
  });

  it('names every mismatch of every device in one error', async () => {
    // Prepare
    given({ Size: 50, Iops: 3000 });
    const second = volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', newVolumeId: 'vol-0ccccccccccccccc2', device: '/dev/sdf' });

    // Act
    const error = await failure(event({ volumes: [planned, second] }));

    // Assess
    expect(error.message).toBe(
      'verification failed: /dev/xvda size is 50, expected 100; /dev/xvda iops is 3000, expected 4000; /dev/sdf holds nothing, expected vol-0ccccccccccccccc2',
    );
  });

  it('reports a comparison skipped before the swap (EBS direct APIs unavailable) with its reason', async () => {
    // Prepare
    given();
    const skipped = { ...compared, status: 'skipped' as const, method: 'full' as const, reason: 'EBS direct API unavailable: not allowed' };

    // Act
    const out = await handler(event({ volumes: [{ ...planned, finalBlocks: skipped }] }));

    // Assess
    expect(out.blockComparisons).toEqual([{ volumeId: ORIGINAL, status: 'skipped', reason: 'EBS direct API unavailable: not allowed' }]);
  });

  it('records the direct strategy as skipped: no encrypted snapshot copy', async () => {
    // Prepare
    given();

    // Act
    const out = await handler(event({ strategy: 'direct', volumes: [{ ...planned, finalCopyId: undefined, finalBlocks: undefined }] }));

    // Assess
    expect(out.blockComparisons).toEqual([{ volumeId: ORIGINAL, status: 'skipped', reason: 'direct strategy: no encrypted snapshot copy to compare' }]);
  });

  it('throws ResourceNotFoundError when the instance is gone', async () => {
    // Prepare
    given();
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const error = await failure();

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error.message).toBe(`instance ${INSTANCE_ID} not found`);
  });

  it.each([
    ['DescribeVolumes', 'RequestLimitExceeded', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DescribeInstances', 'InternalError', () => ec2.on(DescribeInstancesCommand).rejects(awsError('InternalError'))],
  ])('lets a %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    given();
    arrange();

    // Act
    const error = await failure();

    // Assess
    expect(error.name).toBe(name);
  });
});
