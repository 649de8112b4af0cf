import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { logger } from '../lib/logger';
import { expectUnchanged, type PlannedDevice } from './lib/recheck';

const ec2 = createEc2Client();

export interface RecheckInstanceEvent {
  instanceId: string;
  /** The devices the run replaces (the work's volumes: device, original, replacement once created). */
  volumes: PlannedDevice[];
  /** What the run is about to do, for the error message ("the final snapshots"). */
  next: string;
}

export interface RecheckResult {
  instanceId: string;
  state: string;
  devices: number;
  checkedAt: string;
}

/**
 * Re-reads the instance after a wait, before the next disruptive step: throws InstanceChangedError
 * (caught into rollback) if it is no longer stopped, is now excluded, or a planned device changed.
 */
export const handler = async ({ instanceId, volumes, next }: RecheckInstanceEvent): Promise<RecheckResult> => {
  const instance = await describeInstance(ec2, instanceId);
  const devices = volumes.map(({ device, volumeId, newVolumeId }) => ({ device, volumeId, ...(newVolumeId ? { newVolumeId } : {}) }));
  expectUnchanged(instance, devices, next);
  logger.info('instance unchanged', { instanceId, next, devices: devices.length });
  return { instanceId, state: instance.State?.Name ?? 'unknown', devices: devices.length, checkedAt: new Date().toISOString() };
};
