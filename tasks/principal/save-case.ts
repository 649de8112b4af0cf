import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, saveCase, type SessionPolicy } from './lib/case-store';
import type { ContainPlan } from './lib/plan';
import { sessionDenyDocument } from './lib/principal';

const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

export interface SaveCaseEvent {
  executionName: string;
  plan: ContainPlan;
}

export interface SavedCase { caseId: string; at: string; sessionPolicy?: SessionPolicy }

/**
 * Before any change: the principal's prior state (each key and its status, its inline policies) and what this run will
 * add, under the case id. The session deny's time is fixed here, right before the first change (after any approval:
 * sessions issued while a person decided are denied too). A retry by this execution writes it again with a new time,
 * which the change then uses; a case id another execution holds is refused.
 */
export const handler = async ({ executionName, plan }: SaveCaseEvent): Promise<SavedCase> => {
  const at = new Date().toISOString();
  const planned = plan.changes.sessionPolicy;
  const sessionPolicy = planned ? { name: planned.name, document: sessionDenyDocument(at), revokedBefore: at } : undefined;
  await saveCase(dynamodb, TABLE, {
    caseId: plan.caseId, principal: plan.principal, containExecution: executionName, savedAt: at,
    prior: plan.prior ?? { accessKeys: [], inlinePolicies: [] }, planned: plan.changes, ...(sessionPolicy ? { sessionPolicy } : {}),
    maxSessionSeconds: plan.maxSessionSeconds,
  });
  logger.info('case saved', { caseId: plan.caseId, principal: plan.principal.arn });
  return { caseId: plan.caseId, at, ...(sessionPolicy ? { sessionPolicy } : {}) };
};
