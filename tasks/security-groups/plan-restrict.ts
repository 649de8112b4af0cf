import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ExecutionFacts, Outcome } from '../lib/types';
import { requestedGroups, usersOfGroups, type GroupUser } from './lib/groups';
import { isTargeted, isWorldOpen, rulesOfGroups, type SavedRule } from './lib/rules';
import type { RestrictInput } from './lib/schema';

const ec2 = createEc2Client();

export interface RestrictPlanEvent {
  request: RestrictInput;
  execution: ExecutionFacts;
  /** The VPC the lock was taken on (ValidateInput). */
  vpcId: string;
}

export interface GroupPlan {
  groupId: string;
  groupName: string;
  isDefault: boolean;
  action: 'restrict' | 'none' | 'skipped';
  reason: string;
  /** The full rules to revoke (DescribeSecurityGroupRules output, tags included): what is saved before any change. */
  revoke: SavedRule[];
  /** World-open rules kept, and why. */
  kept: { ruleId: string; reason: string }[];
  /** Who is affected: the network interfaces using the group and their instances. */
  usedBy: GroupUser[];
}

export interface RestrictPlan {
  outcome: Outcome;
  vpcId: string;
  groups: GroupPlan[];
  /** The groups that will change: tagged remediation:lock before any change (spec lock.resourcesPath). */
  toChange: string[];
}

/**
 * Read-only: which world-open rules of the requested groups would be revoked. Only rules whose address is
 * 0.0.0.0/0 or ::/0 (never a referenced group or a prefix list); outbound only with includeEgress; rules
 * whose ports all lie in allowedPorts are kept; the default group and excluded groups are skipped.
 */
export const handler = async ({ request, vpcId }: RestrictPlanEvent): Promise<RestrictPlan> => {
  const groups = (await requestedGroups(ec2, request)).sort((a, b) => String(a.GroupId).localeCompare(String(b.GroupId)));
  const elsewhere = groups.filter((g) => g.VpcId !== vpcId);
  if (elsewhere.length > 0) throw new PreconditionFailedError(`${elsewhere.map((g) => g.GroupId).join(', ')} not in ${vpcId}, the VPC this run locked`);
  const ids = groups.map((g) => g.GroupId as string);
  const [rules, users] = await Promise.all([rulesOfGroups(ec2, ids), usersOfGroups(ec2, ids)]);
  const plans = groups.map((g): GroupPlan => {
    const groupId = g.GroupId as string;
    const isDefault = g.GroupName === 'default';
    const base = { groupId, groupName: g.GroupName ?? '', isDefault, usedBy: users.get(groupId) ?? [] };
    if (isDefault && !request.includeDefaultGroup) return { ...base, action: 'skipped', reason: 'the default group (includeDefaultGroup: true to include it)', revoke: [], kept: [] };
    if (tagValue(g.Tags, TAG.exclude)?.toLowerCase() === 'true') return { ...base, action: 'skipped', reason: `tagged ${TAG.exclude}=true`, revoke: [], kept: [] };
    const all = rules.get(groupId) ?? [];
    const revoke = all.filter((r) => isTargeted(r, request));
    const kept = all.filter((r) => isWorldOpen(r) && !revoke.includes(r)).map((r) => ({
      ruleId: r.SecurityGroupRuleId, reason: r.IsEgress && !request.includeEgress ? 'outbound (includeEgress: false)' : 'ports in allowedPorts',
    }));
    return revoke.length > 0
      ? { ...base, action: 'restrict', reason: `${revoke.length} world-open rule(s) to revoke`, revoke, kept }
      : { ...base, action: 'none', reason: 'no world-open rule to revoke', revoke, kept };
  });
  const toChange = plans.filter((p) => p.action === 'restrict').map((p) => p.groupId);
  const outcome = toChange.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { vpcId, groups: plans.length, toChange: toChange.length, outcome });
  return { outcome, vpcId, groups: plans, toChange };
};
