import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createIamClient } from '../lib/clients/iam';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, CHANGE, markReleased, recordChange, type ChangeRecord } from './lib/case-store';
import type { ContainPlan } from './lib/plan';

const iam = createIamClient();
const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

export interface ReleaseKeysEvent { plan: ContainPlan; executionName: string }
export interface ReleasedKeys { changes: ChangeRecord[]; releasedAt: string }

/**
 * Release: sets Active again exactly the keys this case set Inactive and that are still Inactive (the plan chose
 * them from the case record), records each, and marks the case released. The session deny is not touched here.
 */
export const handler = async ({ plan, executionName }: ReleaseKeysEvent): Promise<ReleasedKeys> => {
  const changes: ChangeRecord[] = [];
  for (const AccessKeyId of plan.release?.reactivateKeys ?? []) {
    await iam.send(new UpdateAccessKeyCommand({ UserName: plan.principal.name, AccessKeyId, Status: 'Active' }));
    const change = { action: CHANGE.reactivateKey, resourceId: AccessKeyId, at: new Date().toISOString() };
    await recordChange(dynamodb, TABLE, plan.caseId, change);
    changes.push(change);
  }
  const releasedAt = new Date().toISOString();
  await markReleased(dynamodb, TABLE, plan.caseId, executionName, releasedAt);
  logger.info('case released', { caseId: plan.caseId, reactivated: changes.length });
  return { changes, releasedAt };
};
