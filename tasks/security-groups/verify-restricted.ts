import { createEc2Client } from '../lib/clients/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { isTargeted, rulesOfGroups, type SavedRule } from './lib/rules';
import type { RestrictInput } from './lib/schema';
import type { Replacement } from './add-replacements';
import type { RestrictPlan } from './plan-restrict';

const ec2 = createEc2Client();

export interface VerifyRestrictedEvent {
  request: Pick<RestrictInput, 'allowedPorts' | 'includeEgress'>;
  plan: Pick<RestrictPlan, 'groups'>;
  replacements: Replacement[];
}

export interface RestrictVerification {
  groups: { groupId: string; rules: SavedRule[] }[];
  at: string;
}

/**
 * A fresh DescribeSecurityGroupRules of every group changed: no world-open rule outside allowedPorts (in the
 * directions requested) remains, and every replacement rule is there. Otherwise VerificationFailedError.
 */
export const handler = async ({ request, plan, replacements }: VerifyRestrictedEvent): Promise<RestrictVerification> => {
  const ids = plan.groups.filter((g) => g.action === 'restrict').map((g) => g.groupId);
  const now = await rulesOfGroups(ec2, ids);
  const open = [...now.values()].flat().filter((r) => isTargeted(r, request));
  const missing = replacements.filter((r) => r.ruleId && ![...now.values()].flat().some((x) => x.SecurityGroupRuleId === r.ruleId));
  if (open.length > 0 || missing.length > 0) {
    throw new VerificationFailedError([
      ...(open.length > 0 ? [`still open to the world: ${open.map((r) => `${r.GroupId} ${r.SecurityGroupRuleId}`).join(', ')}`] : []),
      ...(missing.length > 0 ? [`replacement rules missing: ${missing.map((r) => r.ruleId).join(', ')}`] : []),
    ].join('; '));
  }
  logger.info('verified', { groups: ids.length });
  return { groups: ids.map((groupId) => ({ groupId, rules: now.get(groupId) ?? [] })), at: new Date().toISOString() };
};
