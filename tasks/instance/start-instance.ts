import { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients';
import { logger } from '../lib/logger';
import type { InstanceChange, InstanceEvent } from './stop-instance';

const ec2 = createEc2Client();

/** Starts the instance again. Starting a running instance is a no-op. */
export const handler = async ({ instanceId }: InstanceEvent): Promise<InstanceChange> => {
  const out = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  const change = out.StartingInstances?.[0];
  logger.info('start requested', { instanceId, from: change?.PreviousState?.Name });
  return {
    instanceId,
    previousState: change?.PreviousState?.Name ?? 'unknown',
    currentState: change?.CurrentState?.Name ?? 'unknown',
    at: new Date().toISOString(),
  };
};
