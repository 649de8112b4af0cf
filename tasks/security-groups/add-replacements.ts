import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import { authorizeRule } from './lib/changes';
import { REPLACES_TAG, ipPermissionOf, sameRule, type SavedRule } from './lib/rules';
import type { RestrictPlan } from './plan-restrict';

const ec2 = createEc2Client();

export interface AddReplacementsEvent {
  executionName: string;
  plan: Pick<RestrictPlan, 'groups'>;
  replacementCidrs: string[];
}

export interface Replacement {
  groupId: string;
  /** The world-open rule it stands in for. */
  replaces: string;
  cidr: string;
  ruleId?: string;
  /** false: an equal rule was already there; it is not ours, and restore leaves it. */
  created: boolean;
  ours: boolean;
}

/** The same protocol, ports and direction as the revoked rule, from `cidr`. */
const replacementOf = (rule: SavedRule, cidr: string): SecurityGroupRule => ({
  GroupId: rule.GroupId, IsEgress: rule.IsEgress, IpProtocol: rule.IpProtocol, FromPort: rule.FromPort, ToPort: rule.ToPort,
  ...(cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIpv4: cidr }),
});

/**
 * Before the revokes (no moment without access from the organisation's range): for each rule to revoke and each
 * replacement CIDR of its family, a rule with the same protocol and ports, tagged with this execution and the
 * rule it replaces, so restore removes exactly these. Already there: ours if it carries our execution tag.
 */
export const handler = async ({ executionName, plan, replacementCidrs }: AddReplacementsEvent): Promise<Replacement[]> => {
  const added: Replacement[] = [];
  for (const rule of plan.groups.flatMap((g) => (g.action === 'restrict' ? g.revoke : []))) {
    const ipv6 = rule.CidrIpv6 !== undefined;
    for (const cidr of replacementCidrs.filter((c) => c.includes(':') === ipv6)) {
      const want = replacementOf(rule, cidr);
      const tags = [{ ResourceType: 'security-group-rule' as const, Tags: [
        { Key: TAG.workflow, Value: WORKFLOW.restrictSecurityGroups }, { Key: TAG.execution, Value: executionName },
        { Key: REPLACES_TAG, Value: rule.SecurityGroupRuleId },
      ] }];
      const permission = { ...ipPermissionOf(rule, cidr) };
      const range = permission.IpRanges?.[0] ?? permission.Ipv6Ranges?.[0];
      if (range) range.Description = `remediation: replaces ${rule.SecurityGroupRuleId} (open to the world)`;
      const result = await authorizeRule(ec2, rule.GroupId, Boolean(rule.IsEgress), permission, tags, (r) => sameRule(r, want));
      const ours = result.created || result.existing?.Tags?.some((t) => t.Key === TAG.execution && t.Value === executionName) === true;
      added.push({ groupId: rule.GroupId, replaces: rule.SecurityGroupRuleId, cidr, created: result.created, ours, ...(result.ruleId ? { ruleId: result.ruleId } : {}) });
    }
  }
  logger.info('replacements added', { added: added.filter((a) => a.created).length, present: added.filter((a) => !a.created).length });
  return added;
};
