import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import { startCaseChild } from './lib/child';
import type { IsolationPlan } from './lib/plan';

const sfn = createSfnClient();
const dynamodb = createDynamoDbClient();
const env = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString, BLOCK_STATE_MACHINE_ARN: requiredString });

export interface StartSourceBlockEvent { plan: IsolationPlan; source: string; executionName: string }

/** Optional: block-source-ip denies the source at the instance's subnets' NACLs; named after the case, so it starts once. */
export const handler = async ({ plan, source, executionName }: StartSourceBlockEvent): Promise<{ steps: StepRecord[] }> => {
  const cidr = source.includes('/') ? source : `${source}/32`;
  const { steps } = await startCaseChild(sfn, dynamodb, {
    table: env[INSTANCE_CASE_TABLE_ENV], caseId: plan.caseId, instanceId: plan.instanceId, stateMachineArn: env.BLOCK_STATE_MACHINE_ARN,
    name: `${plan.caseId}-block`, input: { cidrs: [cidr], instanceId: plan.instanceId }, action: STEP.blockSource, resourceId: cidr, parentExecution: executionName,
  });
  return { steps };
};
