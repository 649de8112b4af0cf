import { CopySnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/copy-snapshot';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { EXECUTION_NAME, KEY_ARN, awsError, noAnswer, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const volume = volumeWork({ preSnapshotId: 'snap-0000000000000pre', finalSnapshotId: 'snap-00000000000final' });
const copy = (phase: 'pre-copy' | 'final', v = volume) => handler({ volume: v, phase, executionName: EXECUTION_NAME, kmsKeyArn: KEY_ARN });

beforeEach(() => ec2.reset());

describe('copy-snapshot', () => {
  it('copies the pre-copy snapshot encrypted with the requested key in the same Region', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-00000000000copy' });

    // Act
    const out = await copy('pre-copy');

    // Assess
    expect(out).toEqual({ ...volume, preCopyId: 'snap-00000000000copy' });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] },
        { Name: 'tag:remediation:phase', Values: ['pre-copy-encrypted'] },
        { Name: 'tag:remediation:source-volume', Values: [volume.volumeId] },
      ],
    });
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CopySnapshotCommand, {
      SourceSnapshotId: 'snap-0000000000000pre',
      SourceRegion: 'us-east-1',
      Encrypted: true,
      KmsKeyId: KEY_ARN,
      Description: `encrypted pre-copy copy of snap-0000000000000pre (${volume.volumeId}) by ${EXECUTION_NAME}`,
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [
          { Key: 'Name', Value: 'web-root' },
          { Key: 'remediation:workflow', Value: 'encrypt-volumes' },
          { Key: 'remediation:execution', Value: EXECUTION_NAME },
          { Key: 'remediation:phase', Value: 'pre-copy-encrypted' },
          { Key: 'remediation:source-volume', Value: volume.volumeId },
        ],
      }],
    });
  });

  it('copies the final snapshot into finalCopyId', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-0000000finalcopy' });

    // Act
    const out = await copy('final');

    // Assess
    expect(out).toEqual({ ...volume, finalCopyId: 'snap-0000000finalcopy' });
    expect(ec2).toHaveReceivedCommandWith(CopySnapshotCommand, { SourceSnapshotId: 'snap-00000000000final', KmsKeyId: KEY_ARN });
  });

  it('returns the copy an earlier attempt made, found on a later page, without copying again', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-000000000failed', State: 'error' }], NextToken: 'page-2' })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-0000000000000old', State: 'pending' }] });

    // Act
    const out = await copy('final');

    // Assess
    expect(out.finalCopyId).toBe('snap-0000000000000old');
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSnapshotsCommand, { NextToken: 'page-2' });
    expect(ec2).not.toHaveReceivedCommand(CopySnapshotCommand);
  });

  it('copies again when the only earlier copy failed', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-000000000failed', State: 'error' }] });
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-0000000000000new' });

    // Act
    const out = await copy('pre-copy');

    // Assess
    expect(out.preCopyId).toBe('snap-0000000000000new');
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
  });

  it.each([
    ['pre-copy', { ...volume, preSnapshotId: undefined }],
    ['final', { ...volume, finalSnapshotId: undefined }],
  ] as const)('throws PreconditionFailedError when no %s snapshot is recorded, sending nothing', async (phase, v) => {
    // Act
    const result = copy(phase, v);

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({
      name: 'PreconditionFailedError',
      message: `no ${phase} snapshot recorded for ${volume.volumeId}`,
    });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['DescribeSnapshots', 'RequestLimitExceeded', () => ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['CopySnapshot', 'ServiceUnavailable', () => ec2.on(CopySnapshotCommand).rejects(awsError('ServiceUnavailable'))],
    ['CopySnapshot', 'ResourceLimitExceeded', () => ec2.on(CopySnapshotCommand).rejects(awsError('ResourceLimitExceeded'))],
  ])('lets a %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    arrange();

    // Act
    const result = copy('pre-copy');

    // Assess
    await expect(result).rejects.toMatchObject({ name });
  });

  it.each([
    ['a timeout', noAnswer()],
    ['a reset connection', noAnswer('Error', 'socket hang up')],
  ])('turns %s after the CopySnapshot into AnswerLostError, which the state machine retries', async (_case, error) => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).rejects(error);

    // Act
    const result = copy('final');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AnswerLostError', message: expect.stringContaining(`CopySnapshot of ${volume.volumeId} got no answer from AWS (${error.name}: ${error.message})`) });
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
  });

  it('is answered by the CopySnapshot an earlier attempt made when the retry after a lost answer runs', async () => {
    // Prepare: the first attempt's create took effect but its answer was lost; the retry finds it by tag
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [] })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-000000000000lost', State: 'pending' }] });
    ec2.on(CopySnapshotCommand).rejectsOnce(noAnswer());

    // Act
    const first = copy('final');
    await expect(first).rejects.toMatchObject({ name: 'AnswerLostError' });
    const retried = await copy('final');

    // Assess
    expect(Object.values(retried)).toContain('snap-000000000000lost');
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
  });
});
