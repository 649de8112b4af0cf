import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { instanceChange, type InstanceChange, type InstanceEvent } from './lib/instance-change';
import { logger } from '../lib/logger';

const ec2 = createEc2Client();

export type { InstanceChange, InstanceEvent };

/** Stops the instance (a clean OS shutdown, never Force). Stopping a stopped instance is a no-op. */
export const handler = async ({ instanceId }: InstanceEvent): Promise<InstanceChange> => {
  const out = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  logger.info('stop requested', { instanceId, from: out.StoppingInstances?.[0]?.PreviousState?.Name });
  return instanceChange(instanceId, out.StoppingInstances?.[0]);
};
