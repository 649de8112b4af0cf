import { createEc2Client } from '../lib/clients/ec2';
import { TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { revokeRules, type Revoked } from './lib/changes';
import type { GroupRestorePlan } from './lib/undo';

const ec2 = createEc2Client();

export interface RemoveReplacementsEvent {
  plan: { groups: Pick<GroupRestorePlan, 'groupId' | 'action' | 'toRemove'>[] };
  /** A rollback's choice: a group whose revoke EC2 refuses is recorded and the next group attempted (transient errors still thrown). */
  keepGoing?: boolean;
}

export type RemovedReplacement = Revoked | { groupId: string; ruleIds: string[]; status: 'failed'; error: string };

const TRANSIENT: ReadonlySet<string> = new Set(TRANSIENT_ERRORS);

/** The replacement rules the restrict run added (found by its execution tag in the plan), revoked by id; already gone is done. */
export const handler = async ({ plan, keepGoing = false }: RemoveReplacementsEvent): Promise<RemovedReplacement[]> => {
  const groups = plan.groups.filter((g) => g.action === 'restore' && g.toRemove.length > 0);
  if (!keepGoing) {
    const removed = await revokeRules(ec2, groups.flatMap((g) => g.toRemove));
    logger.info('replacements removed', { removed: removed.length });
    return removed;
  }
  const removed: RemovedReplacement[] = [];
  for (const g of groups) {
    try {
      removed.push(...(await revokeRules(ec2, g.toRemove)));
    } catch (error) {
      if (TRANSIENT.has(awsErrorName(error) ?? '')) throw error;
      removed.push({ groupId: g.groupId, ruleIds: g.toRemove.map((r) => r.SecurityGroupRuleId), status: 'failed', error: `${awsErrorName(error)}: ${(error as Error).message}` });
    }
  }
  logger.info('replacements removed', { removed: removed.filter((r) => r.status !== 'failed').length, failed: removed.filter((r) => r.status === 'failed').length });
  return removed;
};
