import { createEc2Client } from '../lib/clients/ec2';
import { TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { authorizeRule } from './lib/changes';
import { ipPermissionOf, ruleTagSpecifications, sameRule } from './lib/rules';
import type { GroupRestorePlan } from './lib/undo';

const ec2 = createEc2Client();

export interface AuthorizeRulesEvent {
  plan: { groups: Pick<GroupRestorePlan, 'action' | 'toAuthorize'>[] };
  /**
   * A rollback's choice (restrict-security-groups after a failure): a rule EC2 refuses is recorded and the next one
   * attempted, so every rule gets its chance and the rollback's fresh read reports each. Transient errors are still thrown (Retry).
   */
  keepGoing?: boolean;
}

export interface Restored {
  groupId: string;
  savedRuleId: string;
  /** The new id (rule ids change when a rule is created again). */
  ruleId?: string;
  status: 'authorized' | 'already-present' | 'failed';
  /** keepGoing only: why EC2 refused it. */
  error?: string;
}

const TRANSIENT: ReadonlySet<string> = new Set(TRANSIENT_ERRORS);

/**
 * Each saved rule put back as it was: its protocol, ports, address and description, with its tags (TagSpecifications),
 * one call per rule. A rule already there (InvalidPermission.Duplicate) counts as restored.
 */
export const handler = async ({ plan, keepGoing = false }: AuthorizeRulesEvent): Promise<Restored[]> => {
  const restored: Restored[] = [];
  for (const rule of plan.groups.flatMap((g) => (g.action === 'restore' ? g.toAuthorize : []))) {
    try {
      const result = await authorizeRule(ec2, rule.GroupId, Boolean(rule.IsEgress), ipPermissionOf(rule), ruleTagSpecifications(rule.Tags), (r) => sameRule(r, rule));
      restored.push({
        groupId: rule.GroupId, savedRuleId: rule.SecurityGroupRuleId, status: result.created ? 'authorized' : 'already-present',
        ...(result.ruleId ? { ruleId: result.ruleId } : {}),
      });
    } catch (error) {
      if (!keepGoing || TRANSIENT.has(awsErrorName(error) ?? '')) throw error;
      restored.push({ groupId: rule.GroupId, savedRuleId: rule.SecurityGroupRuleId, status: 'failed', error: `${awsErrorName(error)}: ${(error as Error).message}` });
    }
  }
  logger.info('rules restored', {
    authorized: restored.filter((r) => r.status === 'authorized').length, present: restored.filter((r) => r.status === 'already-present').length,
    failed: restored.filter((r) => r.status === 'failed').length,
  });
  return restored;
};
