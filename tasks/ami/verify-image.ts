import { createEc2Client } from '../lib/clients/ec2';
import { describeSnapshots } from '../lib/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ResourceTag } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { describeImagesById } from './lib/freshness';
import { AMI_TAG, snapshotIdsOf } from './lib/image';
import type { BackupPlan, BackupWork, CreatedImage } from './lib/types';

const ec2 = createEc2Client();

export interface VerifyImageEvent {
  plan: BackupPlan;
  image: CreatedImage;
}

/**
 * Success is reported only after this re-read: the image is available, carries our tags (and the no-reboot mark
 * when it was taken so), and every snapshot it maps exists, is completed and carries our workflow tag.
 * A failure keeps the (available) image: a backup that exists is never deleted for a tag.
 */
export const handler = async ({ plan, image }: VerifyImageEvent): Promise<NonNullable<BackupWork['verified']>> => {
  const found = (await describeImagesById(ec2, [image.imageId])).get(image.imageId);
  if (!found) throw new VerificationFailedError(`image ${image.imageId} is no longer there`);
  const problems: string[] = [];
  if (found.State !== 'available') problems.push(`image is ${found.State}`);
  if (tagValue(found.Tags, TAG.workflow) !== WORKFLOW.refreshAmi) problems.push(`image lacks ${TAG.workflow}=${WORKFLOW.refreshAmi}`);
  if (tagValue(found.Tags, AMI_TAG.sourceInstance) !== plan.instanceId) problems.push(`image's ${AMI_TAG.sourceInstance} is not ${plan.instanceId}`);
  if (plan.noReboot && tagValue(found.Tags, AMI_TAG.noReboot) !== 'true') problems.push(`image lacks ${AMI_TAG.noReboot}=true`);
  const snapshotIds = snapshotIdsOf(found);
  if (snapshotIds.length === 0) problems.push('image maps no EBS snapshot');
  const snapshots = snapshotIds.length > 0 ? await describeSnapshots(ec2, snapshotIds) : [];
  for (const id of snapshotIds) {
    const snapshot = snapshots.find((s) => s.SnapshotId === id);
    if (!snapshot) problems.push(`snapshot ${id} is missing`);
    else if (snapshot.State !== 'completed') problems.push(`snapshot ${id} is ${snapshot.State}`);
    else if (tagValue(snapshot.Tags, TAG.workflow) !== WORKFLOW.refreshAmi) problems.push(`snapshot ${id} lacks ${TAG.workflow}`);
  }
  if (problems.length > 0) throw new VerificationFailedError(`image ${image.imageId}: ${problems.join('; ')} (the image is kept)`);
  logger.info('image verified', { imageId: image.imageId, snapshots: snapshotIds.length });
  return {
    imageId: image.imageId, state: found.State as string,
    snapshots: snapshots.map((s) => ({ snapshotId: s.SnapshotId as string, state: s.State as string, ...(s.VolumeSize !== undefined ? { sizeGiB: s.VolumeSize } : {}) })),
    tags: (found.Tags ?? []).filter((t): t is ResourceTag => Boolean(t.Key) && t.Value !== undefined),
  };
};
