import { CreateSnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/create-snapshot';
import { EXECUTION_NAME, awsError, noAnswer, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const volume = volumeWork();

beforeEach(() => ec2.reset());

describe('create-snapshot', () => {
  it('snapshots the volume with its own tags and the bookkeeping tags, recording the pre-copy snapshot', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-0000000000000pre' });

    // Act
    const out = await handler({ volume, phase: 'pre-copy', executionName: EXECUTION_NAME });

    // Assess
    expect(out).toEqual({ ...volume, preSnapshotId: 'snap-0000000000000pre' });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] },
        { Name: 'tag:remediation:phase', Values: ['pre-copy'] },
        { Name: 'tag:remediation:source-volume', Values: [volume.volumeId] },
      ],
    });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotCommand, {
      VolumeId: volume.volumeId,
      Description: `pre-copy snapshot of ${volume.volumeId} (/dev/xvda) by ${EXECUTION_NAME}`,
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [
          { Key: 'Name', Value: 'web-root' },
          { Key: 'remediation:workflow', Value: 'encrypt-volumes' },
          { Key: 'remediation:execution', Value: EXECUTION_NAME },
          { Key: 'remediation:phase', Value: 'pre-copy' },
          { Key: 'remediation:source-volume', Value: volume.volumeId },
        ],
      }],
    });
  });

  it('records the final snapshot in finalSnapshotId, keeping what earlier phases recorded', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-00000000000final' });
    const input = { ...volume, preSnapshotId: 'snap-0000000000000pre', preCopyId: 'snap-00000000000copy' };

    // Act
    const out = await handler({ volume: input, phase: 'final', executionName: EXECUTION_NAME });

    // Assess
    expect(out).toEqual({ ...input, finalSnapshotId: 'snap-00000000000final' });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      Filters: expect.arrayContaining([{ Name: 'tag:remediation:phase', Values: ['final'] }]),
    });
  });

  it('returns the snapshot an earlier attempt made instead of taking another', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-0000000000000old', State: 'pending' }] });

    // Act
    const out = await handler({ volume, phase: 'pre-copy', executionName: EXECUTION_NAME });

    // Assess
    expect(out.preSnapshotId).toBe('snap-0000000000000old');
    expect(ec2).not.toHaveReceivedCommand(CreateSnapshotCommand);
  });

  it('finds an earlier snapshot on a later DescribeSnapshots page', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [], NextToken: 'page-2' })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-0000000000000old', State: 'completed' }] });

    // Act
    const out = await handler({ volume, phase: 'final', executionName: EXECUTION_NAME });

    // Assess
    expect(out.finalSnapshotId).toBe('snap-0000000000000old');
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 2);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSnapshotsCommand, { NextToken: 'page-2' });
    expect(ec2).not.toHaveReceivedCommand(CreateSnapshotCommand);
  });

  it('ignores an earlier snapshot that failed and takes a new one', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-000000000failed', State: 'error' }] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-0000000000000new' });

    // Act
    const out = await handler({ volume, phase: 'pre-copy', executionName: EXECUTION_NAME });

    // Assess
    expect(out.preSnapshotId).toBe('snap-0000000000000new');
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
  });

  it.each([
    ['DescribeSnapshots', 'RequestLimitExceeded', () => ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['CreateSnapshot', 'InternalError', () => ec2.on(CreateSnapshotCommand).rejects(awsError('InternalError'))],
  ])('lets a transient %s error through with its name for Retry', async (_command, name, arrange) => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    arrange();

    // Act
    const result = handler({ volume, phase: 'pre-copy', executionName: EXECUTION_NAME });

    // Assess
    await expect(result).rejects.toMatchObject({ name });
  });

  it('lets a snapshot limit error through unchanged', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CreateSnapshotCommand).rejects(awsError('SnapshotLimitExceeded', 'limit of 100000 snapshots reached'));

    // Act
    const result = handler({ volume, phase: 'final', executionName: EXECUTION_NAME });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'SnapshotLimitExceeded', message: 'limit of 100000 snapshots reached' });
  });

  it.each([
    ['a timeout', noAnswer()],
    ['a reset connection', noAnswer('Error', 'socket hang up')],
  ])('turns %s after the CreateSnapshot into AnswerLostError, which the state machine retries', async (_case, error) => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CreateSnapshotCommand).rejects(error);

    // Act
    const result = handler({ volume, phase: 'final', executionName: EXECUTION_NAME });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AnswerLostError', message: expect.stringContaining(`CreateSnapshot of ${volume.volumeId} got no answer from AWS (${error.name}: ${error.message})`) });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
  });

  it('is answered by the CreateSnapshot an earlier attempt made when the retry after a lost answer runs', async () => {
    // Prepare: the first attempt's create took effect but its answer was lost; the retry finds it by tag
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [] })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-000000000000lost', State: 'pending' }] });
    ec2.on(CreateSnapshotCommand).rejectsOnce(noAnswer());

    // Act
    const first = handler({ volume, phase: 'final', executionName: EXECUTION_NAME });
    await expect(first).rejects.toMatchObject({ name: 'AnswerLostError' });
    const retried = await handler({ volume, phase: 'final', executionName: EXECUTION_NAME });

    // Assess
    expect(Object.values(retried)).toContain('snap-000000000000lost');
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
  });
});
