import { CreateImageCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { PlanChangedError, PreconditionFailedError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { refuseUnimageable } from './lib/backup-plan';
import { findOwnImageByName, isOurImage } from './lib/image';
import type { BackupPlan, CreatedImage } from './lib/types';

const ec2 = createEc2Client();

export interface CreateImageEvent {
  plan: BackupPlan;
  execution: ExecutionFacts;
}

/** The image of the plan's name, if one exists: ours is the one to wait for, anyone else's is never touched. */
async function existingImage(name: string): Promise<string | undefined> {
  const image = await findOwnImageByName(ec2, name);
  if (image && !isOurImage(image)) throw new PreconditionFailedError(`an image named ${name} (${image.ImageId}) exists and was not made by refresh-ami`);
  return image?.ImageId;
}

/**
 * CreateImage of the planned instance, with the instance's tags and ours on the image and each of its snapshots.
 * Idempotent by the image's deterministic name: a retry (or a re-run the same day) finds the image instead of
 * making a second, and EC2's InvalidAMIName.Duplicate (a create that raced ours) is answered the same way.
 * Re-check first (the last step before the reboot): still not excluded, still in the planned state.
 */
export const handler = async ({ plan, execution }: CreateImageEvent): Promise<CreatedImage> => {
  const at = new Date().toISOString();
  const base = { imageName: plan.imageName, at };
  if (plan.existing) return { ...base, imageId: plan.existing.imageId, resumed: true };
  const found = await existingImage(plan.imageName);
  if (found) return { ...base, imageId: found, resumed: true };
  const instance = await describeInstance(ec2, plan.instanceId);
  refuseUnimageable(instance);
  if (instance.State?.Name !== plan.instanceState) {
    throw new PlanChangedError(`${plan.instanceId} was ${plan.instanceState} when planned and is ${instance.State?.Name} now: no image was taken`);
  }
  try {
    const out = await ec2.send(new CreateImageCommand({
      InstanceId: plan.instanceId, Name: plan.imageName, NoReboot: plan.noReboot,
      Description: `refresh-ami backup of ${plan.instanceId} by ${execution.name}${plan.noReboot ? ' (no reboot: crash-consistent)' : ''}`,
      TagSpecifications: [{ ResourceType: 'image', Tags: plan.tags }, { ResourceType: 'snapshot', Tags: plan.tags }],
    }));
    logger.info('image created', { imageId: out.ImageId, name: plan.imageName, noReboot: plan.noReboot });
    return { ...base, imageId: out.ImageId as string, resumed: false };
  } catch (error) {
    if (awsErrorName(error) !== 'InvalidAMIName.Duplicate') throw error;
    const raced = await existingImage(plan.imageName);
    if (!raced) throw error;
    return { ...base, imageId: raced, resumed: true };
  }
};
