import type { Instance, Volume } from '@aws-sdk/client-ec2';
import { ORIGINAL_RETENTION_KEYS, TAG, tagValue } from '../../lib/tags';
import type { VolumeWork } from './types';

/** One device as rollback left it, read from the account after every device was attempted. */
export interface DeviceReport {
  device: string;
  originalVolumeId: string;
  newVolumeId?: string;
  /** What is attached at the device now (on the target instance), if anything. */
  attachedNow: { volumeId: string; instanceId: string } | null;
  /** Where the original is attached now, if anywhere. */
  originalAttachedTo: { instanceId: string; device: string } | null;
  /** Where the replacement is attached now, if anywhere (`available` when nowhere). */
  newVolumeAttachedTo?: { instanceId: string; device: string } | null;
  deleteOnTermination: { expected: boolean; now?: boolean };
  restored: boolean;
  /** The device's own failure during rollback (after its retries), or why it was left as it is. */
  error?: { Error: string; Cause: string };
  /** What a person must do to finish putting it back; absent when restored. */
  whatToDo?: string;
}

/** What the rollback Map recorded per device: its last step, or the error it was caught with. */
export interface DeviceOutcome {
  volumeId?: string;
  step?: string;
  reason?: string;
  error?: { Error?: string; Cause?: string };
}

const attachment = (volume: Volume | undefined) => {
  const a = volume?.Attachments?.find((x) => x.State === 'attached' || x.State === 'attaching');
  return a?.InstanceId && a.Device ? { instanceId: a.InstanceId, device: a.Device } : null;
};

/** Compares what the plan had at each device with what the account has now. */
export function deviceReport(planned: VolumeWork, instance: Instance, volumes: Map<string, Volume>, outcome: DeviceOutcome | undefined): DeviceReport {
  const instanceId = instance.InstanceId as string;
  const mapping = instance.BlockDeviceMappings?.find((m) => m.DeviceName === planned.device);
  const attachedNow = mapping?.Ebs?.VolumeId ? { volumeId: mapping.Ebs.VolumeId, instanceId } : null;
  const original = volumes.get(planned.volumeId);
  const dotNow = mapping?.Ebs?.DeleteOnTermination;
  const tagged = tagValue(original?.Tags, TAG.replacedBy) !== undefined;
  const restored = attachedNow?.volumeId === planned.volumeId && dotNow === planned.deleteOnTermination && !tagged;
  const report: DeviceReport = {
    device: planned.device,
    originalVolumeId: planned.volumeId,
    ...(planned.newVolumeId ? { newVolumeId: planned.newVolumeId, newVolumeAttachedTo: attachment(volumes.get(planned.newVolumeId)) } : {}),
    attachedNow,
    originalAttachedTo: attachment(original),
    deleteOnTermination: { expected: planned.deleteOnTermination, ...(dotNow === undefined ? {} : { now: dotNow }) },
    restored,
  };
  const error = outcome?.error?.Error
    ? { Error: outcome.error.Error, Cause: outcome.error.Cause ?? '' }
    : outcome?.step === 'not-restored' ? { Error: 'NotRestored', Cause: outcome.reason ?? 'left as it was' } : undefined;
  if (error) report.error = error;
  if (!restored) report.whatToDo = whatToDo(report, instanceId, instance.State?.Name ?? 'unknown', tagged);
  return report;
}

function whatToDo(d: DeviceReport, instanceId: string, instanceState: string, tagged: boolean): string {
  const steps: string[] = [];
  const stopFirst = instanceState === 'stopped' ? '' : `; the instance is ${instanceState}, stop it first`;
  if (d.attachedNow && d.attachedNow.volumeId !== d.originalVolumeId) {
    steps.push(`detach ${d.attachedNow.volumeId} from ${d.device} of ${instanceId}${stopFirst}`);
  }
  if (d.attachedNow?.volumeId !== d.originalVolumeId) {
    const elsewhere = d.originalAttachedTo ? ` (it is attached to ${d.originalAttachedTo.instanceId} at ${d.originalAttachedTo.device}: detach it there first)` : '';
    steps.push(`attach ${d.originalVolumeId} at ${d.device} of ${instanceId}${elsewhere}${steps.length ? '' : stopFirst}`);
  }
  if (d.deleteOnTermination.now !== d.deleteOnTermination.expected) {
    steps.push(`set DeleteOnTermination=${d.deleteOnTermination.expected} for ${d.device}`);
  }
  // Else expire-retained would take the original, back in use, for a retained one (it refuses what is attached, but the tags mislead).
  if (tagged) steps.push(`remove the tags ${ORIGINAL_RETENTION_KEYS.join(', ')} from ${d.originalVolumeId}`);
  return steps.join('; then ');
}
