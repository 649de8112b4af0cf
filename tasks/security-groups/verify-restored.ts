import { createEc2Client } from '../lib/clients/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { rulesOfGroups, type SavedRule } from './lib/rules';
import { backAs } from './lib/undo';
import type { RestorePlan } from './plan-restore';

const ec2 = createEc2Client();

export interface VerifyRestoredEvent {
  plan: Pick<RestorePlan, 'groups' | 'restrictExecution'>;
}

export interface RestoreVerification {
  groups: { groupId: string; rules: SavedRule[] }[];
  /** Saved rule id -> its id now. */
  ruleIds: Record<string, string>;
  at: string;
}

/**
 * A fresh read of every group restored: each saved rule is there with its description and tags, and no
 * replacement rule of the restrict run remains. Otherwise VerificationFailedError.
 */
export const handler = async ({ plan }: VerifyRestoredEvent): Promise<RestoreVerification> => {
  const groups = plan.groups.filter((g) => g.action === 'restore');
  const now = await rulesOfGroups(ec2, groups.map((g) => g.groupId));
  const problems: string[] = [];
  const ruleIds: Record<string, string> = {};
  for (const g of groups) {
    const rules = now.get(g.groupId) ?? [];
    for (const saved of [...g.toAuthorize]) {
      const back = backAs(saved, rules);
      if (back.status === 'missing') problems.push(`${saved.SecurityGroupRuleId} of ${g.groupId} is not back`);
      else if (back.status === 'changed') problems.push(`${saved.SecurityGroupRuleId} of ${g.groupId} is back as ${back.rule.SecurityGroupRuleId} with another description or tags`);
      else ruleIds[saved.SecurityGroupRuleId] = back.rule.SecurityGroupRuleId;
    }
    const left = rules.filter((r) => tagValue(r.Tags, TAG.execution) === plan.restrictExecution);
    if (left.length > 0) problems.push(`replacement rules remain in ${g.groupId}: ${left.map((r) => r.SecurityGroupRuleId).join(', ')}`);
  }
  if (problems.length > 0) throw new VerificationFailedError(problems.join('; '));
  logger.info('verified', { groups: groups.length });
  return { groups: groups.map((g) => ({ groupId: g.groupId, rules: now.get(g.groupId) ?? [] })), ruleIds, at: new Date().toISOString() };
};
