import {
  DescribeImagesCommand, DescribeInstanceAttributeCommand, paginateDescribeInstanceTypeOfferings, paginateDescribeInstanceTypes,
  type DescribeInstanceTypesCommandInput, type EC2Client, type Instance, type InstanceTypeInfo, type _InstanceType,
} from '@aws-sdk/client-ec2';
import { DescribeAutoScalingInstancesCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { PreconditionFailedError, awsErrorName } from '../../lib/errors';
import { incompatibilities, nextSizeUp, splitType } from './instance-types';
import { cooldownOf, resizeRefusals } from './resize-checks';
import type { ResizePlan } from './types';

export interface ResizeAsk {
  targetType?: string;
  cooldownHours: number;
  now: Date;
}

async function typeInfos(ec2: EC2Client, input: DescribeInstanceTypesCommandInput): Promise<InstanceTypeInfo[]> {
  const infos: InstanceTypeInfo[] = [];
  try {
    for await (const page of paginateDescribeInstanceTypes({ client: ec2 }, input)) infos.push(...(page.InstanceTypes ?? []));
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceType') throw new PreconditionFailedError(`instance type ${input.InstanceTypes?.join(', ') ?? ''} does not exist`);
    throw error;
  }
  return infos;
}

/**
 * Read-only: what a resize of `instance` would be, or PreconditionFailedError naming why it must not be made.
 * A resize already made (the instance is the type it would go to, recorded by our resize tag within the cooldown) is none.
 */
export async function planResize(ec2: EC2Client, autoscaling: AutoScalingClient, instance: Instance, ask: ResizeAsk): Promise<ResizePlan> {
  const id = instance.InstanceId as string;
  const from = instance.InstanceType as string;
  const wasRunning = instance.State?.Name === 'running';
  const base = { from, wasRunning, cooldownHours: ask.cooldownHours };
  const cooldown = cooldownOf(instance, ask.cooldownHours, ask.now);
  const origin = cooldown?.active ? cooldown.from : undefined;
  // Which type this request asks for, judged from where the last resize started when its cooldown still runs.
  const to = ask.targetType ?? nextSizeUp(origin ?? from, (await typeInfos(ec2, { Filters: [{ Name: 'instance-type', Values: [`${splitType(origin ?? from).family}.*`] }] }))
    .map((t) => t.InstanceType as string));
  if (!to) throw new PreconditionFailedError(`${id} is ${from}, the largest size of its family: give targetType`);
  if (to === from) return { ...base, change: 'none', to, reason: cooldown?.active ? `already resized from ${origin ?? 'its original type'} at ${cooldown.resizedAt}` : `already ${to}`, checked: [] };
  if (cooldown?.active) throw new PreconditionFailedError(`${id} was resized at ${cooldown.resizedAt}: no second resize before ${cooldown.endsAt} (cooldown ${ask.cooldownHours} h)`);

  const group = (await autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }))).AutoScalingInstances?.[0]?.AutoScalingGroupName;
  const stopProtected = wasRunning
    ? (await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'disableApiStop' }))).DisableApiStop?.Value === true
    : false;
  const refusals = resizeRefusals(instance, { ...(group ? { inAutoScalingGroup: group } : {}), stopProtected });
  if (refusals.length > 0) throw new PreconditionFailedError(`not resizing: ${refusals.join('; ')}`);

  const infos = await typeInfos(ec2, { InstanceTypes: [...new Set([from, to])] as _InstanceType[] });
  const current = infos.find((t) => t.InstanceType === from);
  const target = infos.find((t) => t.InstanceType === to);
  if (!current || !target) throw new PreconditionFailedError(`instance type ${current ? to : from} does not exist`);
  const image = instance.ImageId ? (await ec2.send(new DescribeImagesCommand({ ImageIds: [instance.ImageId] }))).Images?.[0] : undefined;
  const problems = incompatibilities(instance, image, current, target);
  const az = instance.Placement?.AvailabilityZone as string;
  if (!(await offeredIn(ec2, az, to))) problems.push(`${to} is not offered in ${az}`);
  if (problems.length > 0) throw new PreconditionFailedError(`not resizing ${id} from ${from} to ${to}: ${problems.join('; ')}`);
  return {
    ...base, change: 'resize', to,
    checked: ['not excluded, Spot, Auto Scaling, capacity reservation, hibernation, instance-store root or stop-protected',
      `architecture ${image?.Architecture ?? instance.Architecture ?? ''}`, `virtualization ${instance.VirtualizationType ?? ''}`,
      'ENA and NVMe', 'network cards and interfaces', `offered in ${az}`],
  };
}

/** Whether the type is offered in the zone: every page of the filtered offerings (a filtered page may be short and carry a NextToken). */
async function offeredIn(ec2: EC2Client, az: string, type: string): Promise<boolean> {
  const pages = paginateDescribeInstanceTypeOfferings({ client: ec2 }, {
    LocationType: 'availability-zone', Filters: [{ Name: 'location', Values: [az] }, { Name: 'instance-type', Values: [type] }],
  });
  for await (const page of pages) if ((page.InstanceTypeOfferings ?? []).some((o) => o.InstanceType === type)) return true;
  return false;
}
