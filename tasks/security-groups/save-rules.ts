import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import type { RestrictPlan } from './plan-restrict';
import { SG_STORE_ENV, saveGroup } from './lib/store';

const dynamodb = createDynamoDbClient();
const { [SG_STORE_ENV]: TABLE } = readEnv({ [SG_STORE_ENV]: requiredString });

export interface SaveRulesEvent {
  executionName: string;
  plan: Pick<RestrictPlan, 'groups' | 'vpcId'>;
  replacementCidrs: string[];
}

export interface SavedRules {
  groups: { groupId: string; rules: number }[];
  at: string;
}

/**
 * Before any change: the full rules about to be revoked, one item per group under this execution's name in the
 * stack's case table, which restore-security-groups reads. The same put again on a retry is harmless.
 */
export const handler = async ({ executionName, plan, replacementCidrs }: SaveRulesEvent): Promise<SavedRules> => {
  const at = new Date().toISOString();
  const groups = plan.groups.filter((g) => g.action === 'restrict');
  for (const g of groups) {
    await saveGroup(dynamodb, TABLE, {
      restrictExecution: executionName, groupId: g.groupId, groupName: g.groupName, vpcId: plan.vpcId,
      rules: g.revoke, replacementCidrs, savedAt: at,
    });
  }
  logger.info('rules saved', { groups: groups.length });
  return { groups: groups.map((g) => ({ groupId: g.groupId, rules: g.revoke.length })), at };
};
