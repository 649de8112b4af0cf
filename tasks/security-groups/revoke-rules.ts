import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { revokeRules, type Revoked } from './lib/changes';
import type { RestrictPlan } from './plan-restrict';

const ec2 = createEc2Client();

export interface RevokeRulesEvent {
  plan: Pick<RestrictPlan, 'groups'>;
}

/** The planned world-open rules, revoked by rule id (saved before, by SaveRules); a rule already gone counts as done. */
export const handler = async ({ plan }: RevokeRulesEvent): Promise<Revoked[]> => {
  const revoked = await revokeRules(ec2, plan.groups.flatMap((g) => (g.action === 'restrict' ? g.revoke : [])));
  logger.info('rules revoked', { revoked: revoked.filter((r) => r.status === 'revoked').length, gone: revoked.filter((r) => r.status === 'already-gone').length });
  return revoked;
};
