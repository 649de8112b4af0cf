import { DeleteSnapshotCommand, DeregisterImageCommand, type Image } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { describeSnapshots, findSnapshots } from '../lib/ec2';
import { ErrorNames, ResourceNotFoundError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import { describeImagesById } from './lib/freshness';
import { AMI_TAG, findOwnImageByName, isOurImage, snapshotIdsOf } from './lib/image';
import type { BackupPlan, BackupWork } from './lib/types';

const ec2 = createEc2Client();
const GONE = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', 'InvalidSnapshot.NotFound']);

export interface CleanupImageEvent {
  plan: BackupPlan;
  /** `image` is there once CreateImage answered; without it the image is looked up by the plan's name. */
  work: Pick<BackupWork, 'image'>;
  error: { Error: string; Cause: string };
}

export interface ImageCleanedUp {
  /** RemediationRolledBack, RollbackFailedError, or the original error when no image was ever made (nothing changed). */
  error: string;
  cause: string;
  imageId?: string;
  deregistered: boolean;
  deletedSnapshots: string[];
  failed: { resourceId: string; error: string }[];
}

const ours = (tags: { Key?: string; Value?: string }[] | undefined) => tagValue(tags, TAG.workflow) === WORKFLOW.refreshAmi;

/**
 * The image's snapshots: those its mapping names (while it exists), and those CreateImage tagged for its instance and
 * described as its own ("Created by CreateImage(i-...) for ami-..."), so that a retry after the image is gone finds them too.
 */
async function snapshotsOf(imageId: string, instanceId: string, image: Image | undefined): Promise<string[]> {
  const mapped = image ? snapshotIdsOf(image) : [];
  // Never DescribeSnapshots without ids: it would answer every snapshot the account can see.
  const mine = mapped.length === 0 ? [] : await describeSnapshots(ec2, mapped).catch((e: unknown) => (e instanceof ResourceNotFoundError ? [] : Promise.reject(e)));
  const tagged = await findSnapshots(ec2, [{ Name: `tag:${AMI_TAG.sourceInstance}`, Values: [instanceId] }, { Name: `tag:${TAG.workflow}`, Values: [WORKFLOW.refreshAmi] }]);
  const forImage = tagged.filter((s) => s.Description?.includes(imageId));
  // Only ours: a mapped snapshot without our workflow tag is never deleted.
  return [...new Set([...mine, ...forImage].filter((s) => ours(s.Tags)).map((s) => s.SnapshotId as string))].sort();
}

async function attempt(resourceId: string, failed: ImageCleanedUp['failed'], call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (GONE.has(awsErrorName(error) ?? '')) return true;
    failed.push({ resourceId, error: `${awsErrorName(error)}: ${(error as Error).message}` });
    return false;
  }
}

/**
 * The image failed or its wait ran out: deregister it, then delete its snapshots (and only those: named by its
 * block-device mapping or tagged with its execution and described as its own, each carrying our workflow tag).
 * Deregistration comes first, since EC2 refuses to delete a snapshot a registered image uses. Safe to run again.
 */
export const handler = async ({ plan, work, error }: CleanupImageEvent): Promise<ImageCleanedUp> => {
  const imageId = work.image?.imageId ?? (await findOwnImageByName(ec2, plan.imageName))?.ImageId;
  const out: ImageCleanedUp = { error: ErrorNames.remediationRolledBack, cause: '', ...(imageId ? { imageId } : {}), deregistered: false, deletedSnapshots: [], failed: [] };
  if (!imageId) {
    // No image was made (the create failed before taking effect): nothing changed, so the original error stands.
    out.error = error.Error;
    out.cause = `${error.Cause} — no image named ${plan.imageName} exists: nothing to clean up; the instance is unchanged`;
    logger.info('no image to clean up', { imageName: plan.imageName });
    return out;
  }
  const found = (await describeImagesById(ec2, [imageId])).get(imageId);
  if (found && !isOurImage(found)) {
    out.failed.push({ resourceId: imageId, error: 'the image does not carry remediation:workflow=refresh-ami: left as it is' });
  } else {
    const snapshots = await snapshotsOf(imageId, plan.instanceId, found);
    // Already gone (a retry after the deregistration): only its snapshots are left to delete.
    out.deregistered = found ? await attempt(imageId, out.failed, () => ec2.send(new DeregisterImageCommand({ ImageId: imageId }))) : true;
    for (const snapshotId of out.deregistered ? snapshots : []) {
      if (await attempt(snapshotId, out.failed, () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })))) out.deletedSnapshots.push(snapshotId);
    }
  }
  const done = `deregistered ${out.deregistered ? imageId : 'nothing'}; deleted snapshots ${out.deletedSnapshots.join(', ') || 'none'}`;
  if (out.failed.length > 0) {
    out.error = ErrorNames.rollbackFailed;
    out.cause = `${error.Error}: ${error.Cause} — ${done}; a person must remove: ${out.failed.map((f) => `${f.resourceId} (${f.error})`).join('; ')}`;
  } else {
    out.cause = `${error.Error}: ${error.Cause} — cleaned up: ${done}; the instance is unchanged`;
  }
  logger.info('image cleaned up', { imageId, deregistered: out.deregistered, snapshots: out.deletedSnapshots.length, failed: out.failed.length });
  return out;
};
