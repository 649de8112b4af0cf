import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { startNamedExecution } from '../lib/start-execution';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const sfn = createSfnClient();
const dynamodb = createDynamoDbClient();
const env = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString, BLOCK_STATE_MACHINE_ARN: requiredString });

export interface StartSourceBlockEvent { plan: IsolationPlan; source: string; executionName: string }

/** Optional: block-source-ip denies the source at the instance's subnets' NACLs; named after the case, so it starts once. */
export const handler = async ({ plan, source, executionName }: StartSourceBlockEvent): Promise<{ steps: StepRecord[] }> => {
  const { steps, record } = stepRecorder(dynamodb, env[INSTANCE_CASE_TABLE_ENV], plan.caseId, plan.instanceId);
  const cidr = source.includes('/') ? source : `${source}/32`;
  const name = `${plan.caseId}-block`.slice(0, 80);
  const input = { cidrs: [cidr], instanceId: plan.instanceId, trigger: { source: 'eventbridge', parentExecution: executionName } };
  const { executionArn } = await startNamedExecution(sfn, { stateMachineArn: env.BLOCK_STATE_MACHINE_ARN, name, input: JSON.stringify(input) });
  await record({ action: STEP.blockSource, resourceId: cidr, after: { executionArn } });
  return { steps };
};
