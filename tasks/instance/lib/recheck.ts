import type { Instance } from '@aws-sdk/client-ec2';
import { InstanceChangedError } from '../../lib/errors';
import { TAG, tagValue } from '../../lib/tags';

/** A device the run replaces: its original volume and, once created, this run's replacement. */
export interface PlannedDevice {
  device: string;
  volumeId: string;
  newVolumeId?: string;
}

/**
 * What changed on an instance the run stopped and is about to change further (DESIGN.md "Re-checks"):
 * it is not `stopped`, it is now tagged `remediation:exclude=true`, or a planned device holds a volume
 * that is neither its original nor this run's replacement (or nothing at all). Empty: nothing changed.
 */
export function instanceChanges(instance: Instance, devices: readonly PlannedDevice[]): string[] {
  const id = instance.InstanceId ?? 'the instance';
  const changes: string[] = [];
  const state = instance.State?.Name ?? 'unknown';
  if (state !== 'stopped') changes.push(`instance ${id} is ${state}, no longer stopped (someone started it)`);
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') changes.push(`instance ${id} is now tagged ${TAG.exclude}=true`);
  const attached = new Map((instance.BlockDeviceMappings ?? []).map((m) => [m.DeviceName, m.Ebs?.VolumeId]));
  for (const { device, volumeId, newVolumeId } of devices) {
    const now = attached.get(device);
    if (!now) changes.push(`${device}: ${volumeId} is no longer attached (nothing at ${device})`);
    else if (now !== volumeId && now !== newVolumeId) {
      changes.push(`${device}: holds ${now}, neither the original ${volumeId}${newVolumeId ? ` nor this run's replacement ${newVolumeId}` : ''}`);
    }
  }
  return changes;
}

/** Throws InstanceChangedError naming every change, so the run rolls back before `next` (what it was about to do). */
export function expectUnchanged(instance: Instance, devices: readonly PlannedDevice[], next: string): void {
  const changes = instanceChanges(instance, devices);
  if (changes.length > 0) {
    throw new InstanceChangedError(`${instance.InstanceId ?? 'the instance'} changed during the run, before ${next}: ${changes.join('; ')}; no further change made`);
  }
}
