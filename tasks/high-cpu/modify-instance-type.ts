import { CreateTagsCommand, ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { InstanceChangedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { RESIZE_TAG } from './lib/resize-checks';

const ec2 = createEc2Client();

export interface ModifyInstanceTypeEvent {
  instanceId: string;
  from: string;
  to: string;
}

export interface ModifyInstanceTypeResult {
  instanceId: string;
  from: string;
  to: string;
  resizedAt: string;
}

/**
 * Changes the stopped instance's type and records the resize on the instance (the cooldown's state). Re-reads
 * the instance first: one that is no longer stopped (an operator started it) is not changed; one already of
 * the new type (a retry) is only tagged.
 */
export const handler = async ({ instanceId, from, to }: ModifyInstanceTypeEvent): Promise<ModifyInstanceTypeResult> => {
  const instance = await describeInstance(ec2, instanceId);
  const state = instance.State?.Name ?? 'unknown';
  if (state !== 'stopped') {
    throw new InstanceChangedError(`instance ${instanceId} is ${state}, no longer stopped: someone started it; its type was not changed`);
  }
  if (instance.InstanceType !== to) {
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: to } }));
  }
  const resizedAt = new Date().toISOString();
  await ec2.send(new CreateTagsCommand({
    Resources: [instanceId], Tags: [{ Key: RESIZE_TAG.at, Value: resizedAt }, { Key: RESIZE_TAG.from, Value: from }],
  }));
  logger.info('instance type changed', { instanceId, from, to });
  return { instanceId, from, to, resizedAt };
};
