import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, saveCase } from './lib/case-store';
import type { ContainPlan } from './lib/plan';

const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

export interface SaveCaseEvent {
  executionName: string;
  plan: ContainPlan;
}

export interface SavedCase { caseId: string; at: string }

/**
 * Before any change: the principal's prior state (each key and its status, its inline policies) and what this run will
 * add, under the case id. A retry writes the same again; a case id another execution holds is refused.
 */
export const handler = async ({ executionName, plan }: SaveCaseEvent): Promise<SavedCase> => {
  const at = new Date().toISOString();
  await saveCase(dynamodb, TABLE, {
    caseId: plan.caseId, principal: plan.principal, containExecution: executionName, savedAt: at,
    prior: plan.prior ?? { accessKeys: [], inlinePolicies: [] }, planned: plan.changes, maxSessionSeconds: plan.maxSessionSeconds,
  });
  logger.info('case saved', { caseId: plan.caseId, principal: plan.principal.arn });
  return { caseId: plan.caseId, at };
};
