import { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { instanceChange, type InstanceChange, type InstanceEvent } from './lib/instance-change';
import { logger } from '../lib/logger';

const ec2 = createEc2Client();

/** Starts the instance again. Starting a running instance is a no-op. */
export const handler = async ({ instanceId }: InstanceEvent): Promise<InstanceChange> => {
  const out = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  logger.info('start requested', { instanceId, from: out.StartingInstances?.[0]?.PreviousState?.Name });
  return instanceChange(instanceId, out.StartingInstances?.[0]);
};
