import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients';
import { logger } from '../lib/logger';

const ec2 = createEc2Client();

export interface InstanceEvent {
  instanceId: string;
}

export interface InstanceChange {
  instanceId: string;
  previousState: string;
  currentState: string;
  at: string;
}

/** Stops the instance (a clean OS shutdown, never Force). Stopping a stopped instance is a no-op. */
export const handler = async ({ instanceId }: InstanceEvent): Promise<InstanceChange> => {
  const out = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  const change = out.StoppingInstances?.[0];
  logger.info('stop requested', { instanceId, from: change?.PreviousState?.Name });
  return {
    instanceId,
    previousState: change?.PreviousState?.Name ?? 'unknown',
    currentState: change?.CurrentState?.Name ?? 'unknown',
    at: new Date().toISOString(),
  };
};
