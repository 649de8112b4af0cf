import { DetachInstancesCommand, EnterStandbyCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAutoScalingClient } from '../lib/clients/auto-scaling';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createElbv2Client } from '../lib/clients/elbv2';
import { readEnv, requiredString } from '../lib/env';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const autoScaling = createAutoScalingClient();
const elbv2 = createElbv2Client();
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface RemoveFromServiceEvent { plan: IsolationPlan; autoScaling: 'standby' | 'detach' }

/**
 * Step 3: out of its Auto Scaling group (standby or detached, desired capacity decremented so no replacement
 * is launched), then out of every target group that has it, each recorded with what release puts back.
 */
export const handler = async ({ plan, autoScaling: how }: RemoveFromServiceEvent): Promise<{ steps: StepRecord[] }> => {
  const { instanceId, state } = plan;
  const { steps, record } = stepRecorder(dynamodb, TABLE, plan.caseId, instanceId);
  const member = state.autoScaling;
  if (member && member.lifecycleState === 'InService') {
    const input = { AutoScalingGroupName: member.groupName, InstanceIds: [instanceId], ShouldDecrementDesiredCapacity: true };
    await autoScaling.send(how === 'detach' ? new DetachInstancesCommand(input) : new EnterStandbyCommand(input));
    await record({ action: how === 'detach' ? STEP.detach : STEP.standby, resourceId: member.groupName, before: { ...member }, after: { lifecycleState: how === 'detach' ? 'Detached' : 'Standby' } });
  }
  for (const target of state.targetGroups) {
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: target.targetGroupArn, Targets: [{ Id: instanceId, ...(target.port !== undefined ? { Port: target.port } : {}) }] }));
    await record({ action: STEP.deregister, resourceId: target.targetGroupArn, before: { ...target } });
  }
  return { steps };
};
