import { createAutoScalingClient } from '../lib/clients/auto-scaling';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createElbv2Client } from '../lib/clients/elbv2';
import { createIamClient } from '../lib/clients/iam';
import { createSsmClient } from '../lib/clients/ssm';
import { commaList, readEnv, requiredString } from '../lib/env';
import { ResourceNotFoundError } from '../lib/errors';
import { amiUser, ssmManaged } from '../key-pair/lib/instance';
import { manualRotationSteps } from '../key-pair/lib/plan';
import { logger } from '../lib/logger';
import { INSTANCE_CASE_TABLE_ENV, readInstanceCase } from './lib/case-store';
import { readInstanceState, type InstanceState } from './lib/instance-state';
import { planIsolate, planReleaseOf, type IsolationPlan, type KeyRotationCheck } from './lib/plan';
import type { IsolateInput } from './lib/schema';

const clients = { ec2: createEc2Client(), autoScaling: createAutoScalingClient(), elbv2: createElbv2Client() };
const iam = createIamClient();
const ssm = createSsmClient();
const dynamodb = createDynamoDbClient();
const env = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString, ISOLATE_OWN_ROLE_PREFIX: requiredString, ISOLATE_OWN_ROLE_ARNS: commaList });

export interface PlanIsolationEvent { request: IsolateInput; caseId: string; instanceId: string }

/** rotateKeyPair: can rotate-key-pair reach the instance through SSM (as its own plan decides)? If not, its manual steps. */
async function keyRotationCheck(state: InstanceState): Promise<KeyRotationCheck | undefined> {
  if (!state.keyName) return undefined;
  if (state.state === 'running' && (await ssmManaged(ssm, state.instanceId))) return { ssmManaged: true };
  return {
    ssmManaged: false, reason: `${state.instanceId} is not a running, SSM-managed Linux instance`,
    manualSteps: manualRotationSteps(state.instanceId, state.keyName, await amiUser(clients.ec2, state.imageId)),
  };
}

/** Preflight (read-only): every step isolate or release will take, or the refusal, before any change. */
export const handler = async ({ request, caseId, instanceId }: PlanIsolationEvent): Promise<IsolationPlan> => {
  const state = await readInstanceState(clients, instanceId);
  let plan: IsolationPlan;
  if (request.release) {
    const record = await readInstanceCase(dynamodb, env[INSTANCE_CASE_TABLE_ENV], caseId, instanceId);
    if (!record) throw new ResourceNotFoundError(`release.caseId: no record of ${instanceId} in case ${caseId}`);
    plan = planReleaseOf(request.mode, record, state);
  } else {
    const rotation = request.rotateKeyPair ? await keyRotationCheck(state) : undefined;
    plan = await planIsolate(request, caseId, state, iam, { ownRolePrefix: env.ISOLATE_OWN_ROLE_PREFIX, ownRoleArns: env.ISOLATE_OWN_ROLE_ARNS }, rotation);
  }
  logger.info('isolation planned', { action: plan.action, outcome: plan.outcome, instanceId, steps: plan.steps.length });
  return plan;
};
