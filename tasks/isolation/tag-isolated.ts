import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { TAG } from '../lib/tags';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const ec2 = createEc2Client();
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

/** Last isolation step: `remediation:isolated=<case>` on the instance (a re-run is then NO_ACTION; release removes it). */
export const handler = async ({ plan }: { plan: IsolationPlan }): Promise<{ steps: StepRecord[] }> => {
  const { steps, record } = stepRecorder(dynamodb, TABLE, plan.caseId, plan.instanceId);
  await ec2.send(new CreateTagsCommand({ Resources: [plan.instanceId], Tags: [{ Key: TAG.isolated, Value: plan.caseId }] }));
  await record({ action: STEP.tagIsolated, resourceId: plan.instanceId, after: { [TAG.isolated]: plan.caseId } });
  return { steps };
};
