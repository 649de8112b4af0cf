import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { authorizeSavedRules, type GroupRestorePlan, type Restored } from './lib/undo';

export type { Restored } from './lib/undo';

const ec2 = createEc2Client();

export interface AuthorizeRulesEvent {
  plan: { groups: Pick<GroupRestorePlan, 'action' | 'toAuthorize'>[] };
}

/**
 * Each saved rule put back as it was: its protocol, ports, address and description, with its tags (TagSpecifications),
 * one call per rule. A rule already there (InvalidPermission.Duplicate) counts as restored.
 */
export const handler = async ({ plan }: AuthorizeRulesEvent): Promise<Restored[]> => {
  const restored = await authorizeSavedRules(ec2, plan.groups, false);
  logger.info('rules restored', { authorized: restored.filter((r) => r.status === 'authorized').length, present: restored.filter((r) => r.status !== 'authorized').length });
  return restored;
};
