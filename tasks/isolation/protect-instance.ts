import { ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const ec2 = createEc2Client();
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface ProtectInstanceEvent { plan: IsolationPlan }

/** Step 2: termination and stop protection on (setting a flag again is harmless); the prior values are recorded for release. */
export const handler = async ({ plan }: ProtectInstanceEvent): Promise<{ steps: StepRecord[] }> => {
  const { steps, record } = stepRecorder(dynamodb, TABLE, plan.caseId, plan.instanceId);
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: plan.instanceId, DisableApiTermination: { Value: true } }));
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: plan.instanceId, DisableApiStop: { Value: true } }));
  await record({ action: STEP.protect, resourceId: plan.instanceId, before: { ...plan.state.protection }, after: { termination: true, stop: true } });
  return { steps };
};
