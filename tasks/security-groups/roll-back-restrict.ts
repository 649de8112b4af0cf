import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { rulesOfGroups } from './lib/rules';
import { authorizeSavedRules, removeReplacementRulesEach, undoPlanOfGroup, type GroupRestorePlan, type RemovedReplacement, type Restored } from './lib/undo';
import type { RestrictPlan } from './plan-restrict';

const ec2 = createEc2Client();

export interface RollBackRestrictEvent {
  executionName: string;
  plan: Pick<RestrictPlan, 'groups'>;
}

export interface RolledBack {
  /** What was found to undo, per group (the plan restore-security-groups would make). */
  groups: GroupRestorePlan[];
  reauthorized: Restored[];
  removedReplacements: RemovedReplacement[];
}

/**
 * After a failure past the first change. What the run changed is read from the account, not from the failed step's (lost)
 * answer: per group it meant to restrict, its planned rules missing now (revoked by this run; the lock keeps our other
 * workflows out, and a person revoking one in these seconds cannot be told apart: putting back the saved before-state is
 * the rollback's promise) and the replacements tagged with this execution. Then restore's own steps: the saved rules back exactly
 * (description, tags), the replacements revoked, each attempted whatever the others did (keepGoing). A retry reads
 * the account again, so it redoes only what is still undone. FinishRollback verifies.
 */
export const handler = async ({ executionName, plan }: RollBackRestrictEvent): Promise<RolledBack> => {
  const restricted = plan.groups.filter((g) => g.action === 'restrict');
  const now = await rulesOfGroups(ec2, restricted.map((g) => g.groupId));
  const groups = restricted.map((g) => undoPlanOfGroup({ groupId: g.groupId, groupName: g.groupName, rules: g.revoke }, now.get(g.groupId) ?? [], executionName));
  const reauthorized = await authorizeSavedRules(ec2, groups, true);
  const removedReplacements = await removeReplacementRulesEach(ec2, groups);
  logger.warn('rolled back', {
    reauthorized: reauthorized.filter((r) => r.status !== 'failed').length, removed: removedReplacements.filter((r) => r.status !== 'failed').length,
    failed: [...reauthorized, ...removedReplacements].filter((r) => r.status === 'failed').length,
  });
  return { groups, reauthorized, removedReplacements };
};
