import { ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import { stepRecorder } from './lib/record';
import type { EniIsolation } from './ensure-isolation-groups';

const ec2 = createEc2Client();
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface MoveNetworkInterfaceEvent { caseId: string; instanceId: string; eni: EniIsolation; to: 'untracked' | 'empty' }

/** One ENI (a Map iteration) onto its VPC's untracked or empty group alone; the groups it had are recorded as `before`. */
export const handler = async ({ caseId, instanceId, eni, to }: MoveNetworkInterfaceEvent): Promise<StepRecord> => {
  const { steps, record } = stepRecorder(dynamodb, TABLE, caseId, instanceId);
  const groupId = to === 'untracked' ? eni.untrackedGroupId : eni.emptyGroupId;
  await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni.networkInterfaceId, Groups: [groupId] }));
  await record({ action: to === 'untracked' ? STEP.untracked : STEP.isolate, resourceId: eni.networkInterfaceId, before: { groupIds: eni.groupIds }, after: { groupIds: [groupId] } });
  return steps[0] as StepRecord;
};
