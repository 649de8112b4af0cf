import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { authorizeRule } from './lib/changes';
import { ipPermissionOf, ruleTagSpecifications, sameRule } from './lib/rules';
import type { RestorePlan } from './plan-restore';

const ec2 = createEc2Client();

export interface AuthorizeRulesEvent {
  plan: Pick<RestorePlan, 'groups'>;
}

export interface Restored {
  groupId: string;
  savedRuleId: string;
  /** The new id (rule ids change when a rule is created again). */
  ruleId?: string;
  status: 'authorized' | 'already-present';
}

/**
 * Each saved rule put back as it was: its protocol, ports, address and description, with its tags (TagSpecifications),
 * one call per rule. A rule already there (InvalidPermission.Duplicate) counts as restored.
 */
export const handler = async ({ plan }: AuthorizeRulesEvent): Promise<Restored[]> => {
  const restored: Restored[] = [];
  for (const rule of plan.groups.flatMap((g) => (g.action === 'restore' ? g.toAuthorize : []))) {
    const result = await authorizeRule(ec2, rule.GroupId, Boolean(rule.IsEgress), ipPermissionOf(rule), ruleTagSpecifications(rule.Tags), (r) => sameRule(r, rule));
    restored.push({
      groupId: rule.GroupId, savedRuleId: rule.SecurityGroupRuleId, status: result.created ? 'authorized' : 'already-present',
      ...(result.ruleId ? { ruleId: result.ruleId } : {}),
    });
  }
  logger.info('rules restored', { authorized: restored.filter((r) => r.status === 'authorized').length, present: restored.filter((r) => r.status !== 'authorized').length });
  return restored;
};
