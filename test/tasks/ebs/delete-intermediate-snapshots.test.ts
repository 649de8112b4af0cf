import { DeleteSnapshotCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/delete-intermediate-snapshots';
import { awsError, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const copied = volumeWork({
  preSnapshotId: 'snap-0000000000000pre', preCopyId: 'snap-00000000precopy', finalSnapshotId: 'snap-00000000000final', finalCopyId: 'snap-0000000finalcopy',
});
const direct = volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', finalSnapshotId: 'snap-0000000000direct' });
const deletedIds = () => ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId);

beforeEach(() => {
  ec2.reset();
  ec2.on(DeleteSnapshotCommand).resolves({});
});

describe('delete-intermediate-snapshots', () => {
  it('deletes the unencrypted snapshots and the pre-copy copy, keeping the final encrypted copy', async () => {
    // Act
    const out = await handler({ volumes: [copied, direct] });

    // Assess
    expect(out).toEqual({
      deleted: ['snap-0000000000000pre', 'snap-00000000precopy', 'snap-00000000000final', 'snap-0000000000direct'],
      kept: ['snap-0000000finalcopy'],
    });
    expect(deletedIds()).toEqual(out.deleted);
    expect(ec2).not.toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000finalcopy' });
  });

  it('sends nothing when there is nothing to delete', async () => {
    // Act
    const out = await handler({ volumes: [volumeWork({ finalCopyId: 'snap-0000000finalcopy' })] });

    // Assess
    expect(out).toEqual({ deleted: [], kept: ['snap-0000000finalcopy'] });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('treats a snapshot that is already gone as deleted, so a re-run succeeds', async () => {
    // Prepare
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-00000000precopy' }).rejects(awsError('InvalidSnapshot.NotFound'));

    // Act
    const out = await handler({ volumes: [copied] });

    // Assess
    expect(out.deleted).toEqual(['snap-0000000000000pre', 'snap-00000000precopy', 'snap-00000000000final']);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 3);
  });

  it.each(['RequestLimitExceeded', 'InvalidSnapshot.InUse'])('stops at the first %s error and lets it through with its name', async (name) => {
    // Prepare
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-00000000precopy' }).rejects(awsError(name));

    // Act
    const result = handler({ volumes: [copied] });

    // Assess
    await expect(result).rejects.toMatchObject({ name });
    expect(deletedIds()).toEqual(['snap-0000000000000pre', 'snap-00000000precopy']);
  });
});
