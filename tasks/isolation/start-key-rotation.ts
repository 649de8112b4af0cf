import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { INSTANCE_CASE_TABLE_ENV, STEP } from './lib/case-store';
import { startCaseChild } from './lib/child';

const sfn = createSfnClient();
const dynamodb = createDynamoDbClient();
const env = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString, ROTATE_STATE_MACHINE_ARN: requiredString });

/** What the report says to start (IsolateReport.keyRotation.start): after the lock is released, the isolation verified. */
export interface KeyRotationStart { caseId: string; instanceId: string; keyName: string; name: string }
export interface StartKeyRotationEvent { start: KeyRotationStart; executionName: string }

/** rotateKeyPair: starts rotate-key-pair for the instance (named after the case: it starts once) and records it in the case record. */
export const handler = async ({ start, executionName }: StartKeyRotationEvent): Promise<{ executionArn: string; name: string; keyName: string }> => {
  const { executionArn } = await startCaseChild(sfn, dynamodb, {
    table: env[INSTANCE_CASE_TABLE_ENV], caseId: start.caseId, instanceId: start.instanceId, stateMachineArn: env.ROTATE_STATE_MACHINE_ARN,
    name: start.name, input: { instanceId: start.instanceId, caseId: start.caseId, rotateKeyPair: true }, action: STEP.rotateKeyPair,
    resourceId: start.keyName, parentExecution: executionName,
  });
  return { executionArn, name: start.name.slice(0, 80), keyName: start.keyName };
};
