import { DeleteRolePolicyCommand, DeleteUserPolicyCommand } from '@aws-sdk/client-iam';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createIamClient } from '../lib/clients/iam';
import { readEnv, requiredString } from '../lib/env';
import { ResourceNotFoundError } from '../lib/errors';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, CHANGE, readCase, recordChange } from './lib/case-store';
import { inlinePolicyDocument, sameDocument } from './lib/iam-state';

const iam = createIamClient();
const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

export interface RemoveSessionDenyEvent { caseId: string }

export interface SessionDenyRemoval {
  policyName: string;
  /** removed: deleted now; absent: already gone; changed: its document is no longer the one this case put, so it is left. */
  status: 'removed' | 'absent' | 'changed';
  at: string;
}

/**
 * After the release's wait (every session issued before the revocation has expired): deletes the case's own session
 * deny, and only while it still holds the document this case put. One someone edited is theirs now: it stays.
 */
export const handler = async ({ caseId }: RemoveSessionDenyEvent): Promise<SessionDenyRemoval> => {
  const record = await readCase(dynamodb, TABLE, caseId);
  const planned = record?.sessionPolicy;
  if (!record || !planned) throw new ResourceNotFoundError(`case ${caseId} holds no session deny`);
  const { principal } = record;
  const document = await inlinePolicyDocument(iam, principal, planned.name);
  const at = new Date().toISOString();
  let status: SessionDenyRemoval['status'];
  if (document === undefined) status = 'absent';
  else if (!sameDocument(document, planned.document)) status = 'changed';
  else {
    if (principal.kind === 'user') await iam.send(new DeleteUserPolicyCommand({ UserName: principal.name, PolicyName: planned.name }));
    else await iam.send(new DeleteRolePolicyCommand({ RoleName: principal.name, PolicyName: planned.name }));
    await recordChange(dynamodb, TABLE, caseId, { action: CHANGE.deletePolicy, resourceId: planned.name, at });
    status = 'removed';
  }
  logger.info('session deny', { caseId, policy: planned.name, status });
  return { policyName: planned.name, status, at };
};
