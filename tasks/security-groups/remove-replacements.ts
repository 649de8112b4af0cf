import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { revokeRules, type Revoked } from './lib/changes';
import type { RestorePlan } from './plan-restore';

const ec2 = createEc2Client();

export interface RemoveReplacementsEvent {
  plan: Pick<RestorePlan, 'groups'>;
}

/** The replacement rules the restrict run added (found by its execution tag in the plan), revoked by id; already gone is done. */
export const handler = async ({ plan }: RemoveReplacementsEvent): Promise<Revoked[]> => {
  const removed = await revokeRules(ec2, plan.groups.flatMap((g) => (g.action === 'restore' ? g.toRemove : [])));
  logger.info('replacements removed', { removed: removed.length });
  return removed;
};
