import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand, type EC2Client, type IpPermission, type SecurityGroupRule, type TagSpecification,
} from '@aws-sdk/client-ec2';
import { awsErrorName } from '../../lib/errors';
import { RULE_GONE, rulesOfGroups, type SavedRule } from './rules';

export interface Authorized {
  /** The rule's id now (ids change when a rule is created again). */
  ruleId?: string;
  /** false: the rule was already there (InvalidPermission.Duplicate), found by a fresh read. */
  created: boolean;
  /** The rule that was already there, as read. */
  existing?: SavedRule;
}

/**
 * One rule, authorized in one call (so EC2's answer names its one new rule id). Already there is not an
 * error: InvalidPermission.Duplicate, and the rule as it is now is read back (a retry after a lost answer
 * finds the rule the first attempt created).
 */
export async function authorizeRule(
  ec2: EC2Client, groupId: string, isEgress: boolean, permission: IpPermission, tags: TagSpecification[] | undefined,
  sameAs: (rule: SecurityGroupRule) => boolean,
): Promise<Authorized> {
  const input = { GroupId: groupId, IpPermissions: [permission], ...(tags ? { TagSpecifications: tags } : {}) };
  try {
    const out = isEgress
      ? await ec2.send(new AuthorizeSecurityGroupEgressCommand(input))
      : await ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
    const rule = out.SecurityGroupRules?.find(sameAs) ?? (await rulesOfGroups(ec2, [groupId])).get(groupId)?.find(sameAs);
    return { created: true, ...(rule?.SecurityGroupRuleId ? { ruleId: rule.SecurityGroupRuleId } : {}) };
  } catch (error) {
    if (awsErrorName(error) !== 'InvalidPermission.Duplicate') throw error;
    const existing = (await rulesOfGroups(ec2, [groupId])).get(groupId)?.find(sameAs);
    return { created: false, ...(existing ? { ruleId: existing.SecurityGroupRuleId, existing } : {}) };
  }
}

export interface Revoked {
  groupId: string;
  ruleId: string;
  isEgress: boolean;
  status: 'revoked' | 'already-gone';
}

const revoke = (ec2: EC2Client, groupId: string, isEgress: boolean, ids: string[]) => isEgress
  ? ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }))
  : ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }));

/**
 * Revokes rules by SecurityGroupRuleIds (never by properties, which fail in non-default VPCs and can match
 * another rule): one call per group and direction; when EC2 says one of them no longer exists, each on its own,
 * and a rule already gone counts as done.
 */
export async function revokeRules(ec2: EC2Client, rules: readonly Pick<SavedRule, 'GroupId' | 'SecurityGroupRuleId' | 'IsEgress'>[]): Promise<Revoked[]> {
  const done: Revoked[] = [];
  const batches = new Map<string, string[]>();
  for (const r of rules) batches.set(`${r.GroupId}|${r.IsEgress ? 'egress' : 'ingress'}`, [...(batches.get(`${r.GroupId}|${r.IsEgress ? 'egress' : 'ingress'}`) ?? []), r.SecurityGroupRuleId]);
  for (const [key, ids] of batches) {
    const [groupId, direction] = key.split('|') as [string, string];
    const isEgress = direction === 'egress';
    try {
      await revoke(ec2, groupId, isEgress, ids);
      done.push(...ids.map((ruleId) => ({ groupId, ruleId, isEgress, status: 'revoked' as const })));
    } catch (error) {
      if (!RULE_GONE.has(awsErrorName(error) ?? '')) throw error;
      for (const ruleId of ids) {
        try {
          await revoke(ec2, groupId, isEgress, [ruleId]);
          done.push({ groupId, ruleId, isEgress, status: 'revoked' });
        } catch (each) {
          if (!RULE_GONE.has(awsErrorName(each) ?? '')) throw each;
          done.push({ groupId, ruleId, isEgress, status: 'already-gone' });
        }
      }
    }
  }
  return done;
}
