import { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { instanceChange, type InstanceChange, type InstanceEvent } from './lib/instance-change';
import { logger } from '../lib/logger';

const ec2 = createEc2Client();

export interface StartInstanceEvent extends InstanceEvent {
  /**
   * The restart after a rollback: only an instance that is stopped now is started (never fight an
   * operator who started or stopped it meanwhile), and only when every device was put back (the
   * rollback Map's per-device results), so that it never boots with a device missing.
   */
  afterRollback?: { devices: { step?: string }[] };
}

export interface StartResult extends InstanceChange {
  /** Why the restart after a rollback was not made. */
  skipped?: string;
}

/**
 * Starts the instance again. Starting a running instance is a no-op. Capacity errors
 * (InsufficientInstanceCapacity, ...) go through with their names, for the state's long Retry.
 */
export const handler = async ({ instanceId, afterRollback }: StartInstanceEvent): Promise<StartResult> => {
  if (afterRollback) {
    const state = (await describeInstance(ec2, instanceId)).State?.Name ?? 'unknown';
    const notRestored = afterRollback.devices.filter((d) => d.step !== 'restored').length;
    const skipped = state !== 'stopped'
      ? `the instance is ${state}, not stopped: left as it is`
      : notRestored > 0 ? `${notRestored} device(s) not restored: left stopped` : undefined;
    if (skipped) {
      logger.warn('restart after rollback skipped', { instanceId, state, notRestored });
      return { instanceId, previousState: state, currentState: state, at: new Date().toISOString(), skipped };
    }
  }
  const out = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  logger.info('start requested', { instanceId, from: out.StartingInstances?.[0]?.PreviousState?.Name });
  return instanceChange(instanceId, out.StartingInstances?.[0]);
};
