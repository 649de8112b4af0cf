import { PutRolePolicyCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createIamClient } from '../lib/clients/iam';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, CHANGE, recordChange, type ChangeRecord } from './lib/case-store';
import type { ContainPlan } from './lib/plan';
import type { SavedCase } from './save-case';

const iam = createIamClient();
const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

export interface ApplyContainmentEvent { plan: ContainPlan; saved: SavedCase }
export interface AppliedContainment { changes: ChangeRecord[] }

/**
 * The session deny first (it cuts every session and role credential at once), then each key Inactive; each change
 * is recorded in the case as it is made, so release knows exactly what this run did even if it stops half-way.
 * Both calls set a state (a key's status, a policy's document): a retry repeats them harmlessly.
 */
export const handler = async ({ plan, saved }: ApplyContainmentEvent): Promise<AppliedContainment> => {
  const { principal, changes: planned, caseId } = plan;
  const changes: ChangeRecord[] = [];
  const record = async (action: string, resourceId: string) => {
    const change = { action, resourceId, at: new Date().toISOString() };
    await recordChange(dynamodb, TABLE, caseId, change);
    changes.push(change);
  };
  if (saved.sessionPolicy) {
    const { name: PolicyName, document: PolicyDocument } = saved.sessionPolicy;
    if (principal.kind === 'user') await iam.send(new PutUserPolicyCommand({ UserName: principal.name, PolicyName, PolicyDocument }));
    else await iam.send(new PutRolePolicyCommand({ RoleName: principal.name, PolicyName, PolicyDocument }));
    await record(CHANGE.putPolicy, PolicyName);
  }
  for (const AccessKeyId of planned.deactivateKeys) {
    await iam.send(new UpdateAccessKeyCommand({ UserName: principal.name, AccessKeyId, Status: 'Inactive' }));
    await record(CHANGE.deactivateKey, AccessKeyId);
  }
  logger.info('principal contained', { caseId, principal: principal.arn, changes: changes.length });
  return { changes };
};
