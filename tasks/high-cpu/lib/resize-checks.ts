import type { Instance } from '@aws-sdk/client-ec2';
import { PreconditionFailedError } from '../../lib/errors';
import { TAG, tagValue } from '../../lib/tags';

/** Set on the instance by each resize: state lives on the resource, not in a side table. */
export const RESIZE_TAG = { at: 'remediation:resized-at', from: 'remediation:resized-from' } as const;
export const ASG_TAG = 'aws:autoscaling:groupName';

/**
 * Why this instance must not be stopped and resized by us (empty: it may): excluded by an operator, Spot
 * (a stop can lose it), an Auto Scaling member (the group replaces it, or fights the change), in a capacity
 * reservation (the new type is outside it), hibernation-enabled (a stop is not a hibernate), an instance-store
 * root (its data is lost on stop), stop-protected, or no longer running or stopped.
 */
export function resizeRefusals(instance: Instance, options: { inAutoScalingGroup?: string; stopProtected: boolean }): string[] {
  const id = instance.InstanceId ?? 'the instance';
  const refusals: string[] = [];
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') refusals.push(`${id} is tagged ${TAG.exclude}=true`);
  if (instance.InstanceLifecycle === 'spot' || instance.SpotInstanceRequestId) refusals.push(`${id} is a Spot instance: a stop can lose it`);
  const group = tagValue(instance.Tags, ASG_TAG) ?? options.inAutoScalingGroup;
  if (group) refusals.push(`${id} is a member of Auto Scaling group ${group}: change its launch template instead`);
  if (instance.CapacityReservationId) refusals.push(`${id} runs in capacity reservation ${instance.CapacityReservationId}: another type would leave it`);
  if (instance.HibernationOptions?.Configured) refusals.push(`${id} is hibernation-enabled`);
  if (instance.RootDeviceType === 'instance-store') refusals.push(`${id} has an instance-store root: its data is lost on stop`);
  const state = instance.State?.Name ?? 'unknown';
  if (state === 'running' && options.stopProtected) refusals.push(`${id} is stop-protected (disableApiStop)`);
  if (state !== 'running' && state !== 'stopped') refusals.push(`${id} is ${state}, neither running nor stopped`);
  return refusals;
}

export interface Cooldown {
  resizedAt: string;
  from?: string;
  endsAt: string;
  active: boolean;
}

/**
 * The last resize recorded on the instance and whether its cooldown still runs at `now`. A record that is not a
 * date cannot say when the cooldown ends: refused (PreconditionFailedError) rather than taken for none.
 */
export function cooldownOf(instance: Instance, hours: number, now: Date): Cooldown | undefined {
  const at = tagValue(instance.Tags, RESIZE_TAG.at);
  if (at === undefined) return undefined;
  const time = Date.parse(at);
  if (Number.isNaN(time)) {
    throw new PreconditionFailedError(`${instance.InstanceId ?? 'the instance'} has ${RESIZE_TAG.at}=${JSON.stringify(at)}, which is not a date: fix or remove the tag to resize it`);
  }
  const endsAt = new Date(time + hours * 3_600_000);
  const from = tagValue(instance.Tags, RESIZE_TAG.from);
  return { resizedAt: at, ...(from ? { from } : {}), endsAt: endsAt.toISOString(), active: now < endsAt };
}
