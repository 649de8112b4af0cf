import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ami/verify-image';
import { IMAGE_ID, IMAGE_NAME, OURS, SNAPSHOT_ID, backupPlan, image } from './fixtures';

const ec2 = mockClient(EC2Client);
const created = { imageId: IMAGE_ID, imageName: IMAGE_NAME, resumed: false, at: '2026-03-01T12:00:00.000Z' };
beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [image()] });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: SNAPSHOT_ID, State: 'completed', VolumeSize: 8, Tags: OURS }] });
});

describe('verify-image', () => {
  it('re-reads the image and each snapshot it maps: available, completed, ours', async () => {
    // Act
    const out = await handler({ plan: backupPlan(), image: created });

    // Assess
    expect(out).toEqual({ imageId: IMAGE_ID, state: 'available', snapshots: [{ snapshotId: SNAPSHOT_ID, state: 'completed', sizeGiB: 8 }], tags: image().Tags });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: [SNAPSHOT_ID] });
  });

  it('names every problem: the no-reboot mark missing, a snapshot not ours and not completed', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: SNAPSHOT_ID, State: 'pending' }] });

    // Act
    const out = handler({ plan: backupPlan({ noReboot: true }), image: created });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'VerificationFailedError', message: `image ${IMAGE_ID}: image lacks remediation:no-reboot=true; snapshot ${SNAPSHOT_ID} is pending (the image is kept)`,
    });
  });

  it('an image gone or mapping no snapshot is not verified', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolvesOnce({ Images: [] }).resolves({ Images: [image({ BlockDeviceMappings: [] })] });

    // Act
    const gone = handler({ plan: backupPlan(), image: created });
    await expect(gone).rejects.toMatchObject({ name: 'VerificationFailedError', message: `image ${IMAGE_ID} is no longer there` });
    const empty = handler({ plan: backupPlan(), image: created });

    // Assess
    await expect(empty).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('image maps no EBS snapshot') });
  });
});
