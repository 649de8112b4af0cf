import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { InstanceChangedError, isEc2NotFound } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, isExcluded, tagValue } from '../lib/tags';
import type { EniIsolation } from './ensure-isolation-groups';
import { sameGroups } from './lib/instance-state';
import type { IsolationPlan } from './lib/plan';

const ec2 = createEc2Client();

export interface RecheckIsolationEvent { plan: IsolationPlan; enis: EniIsolation[]; executionName: string }
export interface IsolationRechecked { enis: string[]; at: string }

/**
 * After WaitUntracked (and the key rotation), before the empty group: the instance is still there, not terminated, not
 * excluded, still carries our lock tag, and each ENI is still attached to it and in exactly the untracked group we put
 * it in (and none was attached meanwhile). Anything else: someone changed it while we waited, so InstanceChangedError
 * and no further change (the rollback puts back what the case record holds); never fight an operator.
 */
export const handler = async ({ plan, enis, executionName }: RecheckIsolationEvent): Promise<IsolationRechecked> => {
  const { instanceId } = plan;
  const instance = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })).then(
    (o) => o.Reservations?.[0]?.Instances?.[0],
    (error: unknown) => {
      if (isEc2NotFound(error)) return undefined;
      throw error;
    },
  );
  const changed: string[] = [];
  const state = instance?.State?.Name;
  if (!instance) changed.push(`${instanceId} no longer exists`);
  else if (state === 'terminated' || state === 'shutting-down') changed.push(`${instanceId} is ${state}`);
  if (instance && isExcluded(instance.Tags)) changed.push(`${instanceId} is now tagged ${TAG.exclude}=true`);
  const lock = tagValue(instance?.Tags, TAG.lock);
  if (instance && lock !== executionName) changed.push(`${instanceId}'s ${TAG.lock} tag is ${lock ?? 'gone'}, not ${executionName}`);
  const attached = new Map((instance?.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId ?? '', (n.Groups ?? []).map((g) => g.GroupId ?? '')]));
  for (const eni of instance ? enis : []) {
    const groups = attached.get(eni.networkInterfaceId);
    if (!groups) changed.push(`${eni.networkInterfaceId} is no longer attached to ${instanceId}`);
    else if (!sameGroups(groups, [eni.untrackedGroupId])) changed.push(`${eni.networkInterfaceId} is in ${groups.join(', ') || 'no group'}, not only the untracked group ${eni.untrackedGroupId}`);
  }
  const planned = new Set(enis.map((e) => e.networkInterfaceId));
  for (const id of attached.keys()) if (!planned.has(id)) changed.push(`${id} was attached to ${instanceId} meanwhile`);
  if (changed.length > 0) {
    throw new InstanceChangedError(`someone changed ${instanceId} while it waited in the untracked group: ${changed.join('; ')}; nothing more is changed, what was is put back`);
  }
  logger.info('isolation re-checked', { instanceId, enis: enis.length });
  return { enis: enis.map((e) => e.networkInterfaceId), at: new Date().toISOString() };
};
