import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ami/cleanup-image';
import { awsError } from '../fixtures';
import { IMAGE_ID, IMAGE_NAME, INSTANCE_ID, OURS, SNAPSHOT_ID, backupPlan, image } from './fixtures';

const ec2 = mockClient(EC2Client);
const created = { imageId: IMAGE_ID, imageName: IMAGE_NAME, resumed: false, at: '2026-03-01T12:00:00.000Z' };
const ERROR = { Error: 'ImageFailed', Cause: `${IMAGE_ID} is failed: internal error` };
const SECOND = 'snap-0fedcba9876543210';
beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'failed' })] });
  ec2.on(DescribeSnapshotsCommand, { SnapshotIds: [SNAPSHOT_ID] }).resolves({ Snapshots: [{ SnapshotId: SNAPSHOT_ID, Tags: OURS }] });
  // Found by the instance tag: one described as this image's (a mapping the failed image lost), one of another image.
  ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({ Snapshots: [
    { SnapshotId: SECOND, Tags: OURS, Description: `Created by CreateImage(i-0123456789abcdef0) for ${IMAGE_ID}` },
    { SnapshotId: 'snap-0aaaaaaaaaaaaaaa9', Tags: OURS, Description: 'Created by CreateImage(i-0123456789abcdef0) for ami-0aaaaaaaaaaaaaaa9' },
  ] });
  ec2.on(DeregisterImageCommand).resolves({});
  ec2.on(DeleteSnapshotCommand).resolves({});
});

describe('cleanup-image', () => {
  it('deregisters the image first, then deletes its snapshots (mapped, or tagged for its instance and described as its own), nothing else', async () => {
    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toEqual({
      error: 'RemediationRolledBack', imageId: IMAGE_ID, deregistered: true, deletedSnapshots: [SNAPSHOT_ID, SECOND].sort(), failed: [],
      cause: `ImageFailed: ${ERROR.Cause} — cleaned up: deregistered ${IMAGE_ID}; deleted snapshots ${[SNAPSHOT_ID, SECOND].sort().join(', ')}; the instance is unchanged`,
    });
    expect(ec2.calls().map((c) => c.args[0].constructor.name).slice(-3)).toEqual(['DeregisterImageCommand', 'DeleteSnapshotCommand', 'DeleteSnapshotCommand']);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [
      { Name: 'tag:remediation:source-instance', Values: [INSTANCE_ID] }, { Name: 'tag:remediation:workflow', Values: ['refresh-ami'] },
    ] });
    expect(ec2).not.toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-0aaaaaaaaaaaaaaa9' });
  });

  it('an image that maps no snapshot: only those tagged for its instance and described as its own (never a DescribeSnapshots without ids)', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'failed', BlockDeviceMappings: [] })] });

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ deregistered: true, deletedSnapshots: [SECOND] });
    expect(ec2.commandCalls(DescribeSnapshotsCommand).map((c) => c.args[0].input)).toEqual([{ OwnerIds: ['self'], Filters: [
      { Name: 'tag:remediation:source-instance', Values: [INSTANCE_ID] }, { Name: 'tag:remediation:workflow', Values: ['refresh-ami'] },
    ] }]);
  });

  it('a mapped snapshot without our workflow tag is kept', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: [SNAPSHOT_ID] }).resolves({ Snapshots: [{ SnapshotId: SNAPSHOT_ID, Tags: [] }] });
    ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({ Snapshots: [] });

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ deregistered: true, deletedSnapshots: [] });
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
  });

  it('without an image id (the create failed) it looks the image up by the plan\'s name; none: nothing to do, the original error stands', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const out = await handler({ plan: backupPlan(), work: {}, error: { Error: 'RequestLimitExceeded', Cause: 'rate' } });

    // Assess
    expect(out).toEqual({
      error: 'RequestLimitExceeded', deregistered: false, deletedSnapshots: [], failed: [],
      cause: `rate — no image named ${IMAGE_NAME} exists: nothing to clean up; the instance is unchanged`,
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { Owners: ['self'], Filters: [{ Name: 'name', Values: [IMAGE_NAME] }] });
    expect(ec2).toHaveReceivedCommandTimes(DeregisterImageCommand, 0);
  });

  it('a retry after the image is gone still deletes what is left of its snapshots', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ error: 'RemediationRolledBack', imageId: IMAGE_ID, deregistered: true, deletedSnapshots: [SECOND], failed: [] });
    expect(ec2).toHaveReceivedCommandTimes(DeregisterImageCommand, 0);
  });

  it('safe to run again: what is already gone counts as removed', async () => {
    // Prepare
    ec2.on(DeregisterImageCommand).rejects(awsError('InvalidAMIID.Unavailable'));
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.NotFound'));

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ error: 'RemediationRolledBack', deregistered: true, deletedSnapshots: [SNAPSHOT_ID, SECOND].sort(), failed: [] });
  });

  it('a removal that fails is RollbackFailedError naming what a person must remove; a snapshot is never deleted under a registered image', async () => {
    // Prepare
    ec2.on(DeregisterImageCommand).rejects(awsError('UnauthorizedOperation', 'not allowed'));

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ error: 'RollbackFailedError', deregistered: false, deletedSnapshots: [], failed: [{ resourceId: IMAGE_ID, error: 'UnauthorizedOperation: not allowed' }] });
    expect(out.cause).toContain(`a person must remove: ${IMAGE_ID} (UnauthorizedOperation: not allowed)`);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
  });

  it('an image of that id that is not ours is left as it is and reported', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ Tags: [] })] });

    // Act
    const out = await handler({ plan: backupPlan(), work: { image: created }, error: ERROR });

    // Assess
    expect(out).toMatchObject({ error: 'RollbackFailedError', deregistered: false, failed: [{ resourceId: IMAGE_ID }] });
    expect(ec2).toHaveReceivedCommandTimes(DeregisterImageCommand, 0);
  });
});
