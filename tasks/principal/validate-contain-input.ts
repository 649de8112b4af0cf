import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { PreconditionFailedError, ResourceNotFoundError } from '../lib/errors';
import type { ExecutionFacts } from '../lib/types';
import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import { CASE_TABLE_ENV, readCase } from './lib/case-store';
import { lockTargetOf, principalOf, type Principal } from './lib/principal';
import { containPrincipalInputSchema, type ContainInput } from './lib/schema';

const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE, STACK_ACCOUNT_ID } = readEnv({ [CASE_TABLE_ENV]: requiredString, STACK_ACCOUNT_ID: requiredString });
const validate = validateInputHandler(containPrincipalInputSchema, {
  summary: (r) => ({ principalType: r.principalType, accessKeyId: r.accessKeyId, deactivateAllKeys: r.deactivateAllKeys, release: r.release?.caseId, mode: r.mode }),
});

export interface ValidatedContain {
  request: ContainInput;
  execution: ExecutionFacts;
  /** The case this execution opens (contain) or closes (release). */
  caseId: string;
  principal: Principal;
  /** The lock's key: the principal (tasks/principal/lib/principal.ts lockTargetOf). */
  lockTarget: string;
}

/**
 * First state: the input's shape; which IAM identity it names (refusing types IAM cannot restrict, naming
 * the tool that can); for a release, the case record (read-only) whose principal the lock is taken on.
 */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedContain> => {
  const { request, execution } = await validate(event);
  if (request.release) {
    const record = await readCase(dynamodb, TABLE, request.release.caseId);
    if (!record) throw new ResourceNotFoundError(`release.caseId: no case ${request.release.caseId} in the case table`);
    return { request, execution, caseId: record.caseId, principal: record.principal, lockTarget: lockTargetOf(record.principal) };
  }
  const principal = principalOf(request.principalArn as string, request.principalType as string);
  if (principal.account !== STACK_ACCOUNT_ID) {
    throw new PreconditionFailedError(`${request.principalArn} is of account ${principal.account}, not this stack's (${STACK_ACCOUNT_ID}): contain it from its own account`);
  }
  return { request, execution, caseId: request.caseId ?? execution.name, principal, lockTarget: lockTargetOf(principal) };
};
