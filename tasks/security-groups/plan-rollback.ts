import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { rulesOfGroups } from './lib/rules';
import { undoPlanOfGroup, type GroupRestorePlan } from './lib/undo';
import type { RestrictPlan } from './plan-restrict';

const ec2 = createEc2Client();

export interface PlanRollbackEvent {
  executionName: string;
  plan: Pick<RestrictPlan, 'groups'>;
}

export interface RollbackPlan {
  groups: GroupRestorePlan[];
}

/**
 * Read-only, after a failure past the first change: what the run changed is read from the account, not from the failed
 * step's (lost) answer. Per group it meant to restrict: its planned rules that are missing now (revoked by this run: the lock
 * kept everyone else out) and the replacements tagged with this execution. The same plan restore-security-groups makes,
 * so AuthorizeRules and RemoveReplacements run on it unchanged.
 */
export const handler = async ({ executionName, plan }: PlanRollbackEvent): Promise<RollbackPlan> => {
  const groups = plan.groups.filter((g) => g.action === 'restrict');
  const now = await rulesOfGroups(ec2, groups.map((g) => g.groupId));
  const undo = groups.map((g) => undoPlanOfGroup({ groupId: g.groupId, groupName: g.groupName, rules: g.revoke }, now.get(g.groupId) ?? [], executionName));
  logger.warn('rollback planned', {
    toAuthorize: undo.reduce((n, g) => n + g.toAuthorize.length, 0), toRemove: undo.reduce((n, g) => n + g.toRemove.length, 0),
  });
  return { groups: undo };
};
