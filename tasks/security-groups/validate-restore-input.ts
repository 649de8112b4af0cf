import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { ResourceNotFoundError } from '../lib/errors';
import type { ExecutionFacts } from '../lib/types';
import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import { restoreSecurityGroupsInputSchema, type RestoreInput } from './lib/schema';
import { SG_STORE_ENV, savedGroups } from './lib/store';

const dynamodb = createDynamoDbClient();
const { [SG_STORE_ENV]: TABLE } = readEnv({ [SG_STORE_ENV]: requiredString });
const validate = validateInputHandler(restoreSecurityGroupsInputSchema, {
  summary: (r) => ({ restrictExecution: r.restrictExecution, mode: r.mode }),
});

export interface ValidatedRestore {
  request: RestoreInput;
  execution: ExecutionFacts;
  /** The lock's target: the VPC the restrict run locked (so restrict and restore of one VPC never overlap). */
  target: string;
}

/** First state: the input's shape, then the restrict run's saved rules must exist (read-only); their VPC is the lock's target. */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedRestore> => {
  const { request, execution } = await validate(event);
  const saved = await savedGroups(dynamodb, TABLE, request.restrictExecution);
  const vpcId = saved[0]?.vpcId;
  if (!vpcId) throw new ResourceNotFoundError(`no rules saved by ${request.restrictExecution}: it revoked nothing, or it is not a restrict-security-groups execution of this stack`);
  return { request, execution, target: vpcId };
};
