import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { InvalidInputError, ResourceNotFoundError } from '../lib/errors';
import type { ExecutionFacts } from '../lib/types';
import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import { INSTANCE_CASE_TABLE_ENV, readCaseInstances } from './lib/case-store';
import { isolateInstanceInputSchema, type IsolateInput } from './lib/schema';

const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });
const validate = validateInputHandler(isolateInstanceInputSchema, {
  summary: (r) => ({ instanceId: r.instanceId, release: r.release?.caseId, autoScaling: r.autoScaling, mode: r.mode }),
});

export interface ValidatedIsolate {
  request: IsolateInput;
  execution: ExecutionFacts;
  caseId: string;
  /** The lock's key and the report's target. */
  instanceId: string;
}

/** First state: the input's shape; for a release, which instance of the case (read-only) the lock is taken on. */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedIsolate> => {
  const { request, execution } = await validate(event);
  if (!request.release) return { request, execution, caseId: request.caseId ?? execution.name, instanceId: request.instanceId as string };
  const { caseId } = request.release;
  const records = (await readCaseInstances(dynamodb, TABLE, caseId)).filter((r) => request.instanceId === undefined || r.instanceId === request.instanceId);
  const [record, ...more] = records;
  if (!record) throw new ResourceNotFoundError(`release.caseId: no isolated instance${request.instanceId ? ` ${request.instanceId}` : ''} in case ${caseId}`);
  if (more.length > 0) throw new InvalidInputError(`invalid input: instanceId: case ${caseId} isolated ${records.map((r) => r.instanceId).join(', ')}: name the one to release`);
  return { request, execution, caseId, instanceId: record.instanceId };
};
