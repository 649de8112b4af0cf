import { createAutoScalingClient } from '../lib/clients/auto-scaling';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createElbv2Client } from '../lib/clients/elbv2';
import { readEnv, requiredString } from '../lib/env';
import { ResourceNotFoundError, VerificationFailedError } from '../lib/errors';
import { INSTANCE_CASE_TABLE_ENV, readInstanceCase } from './lib/case-store';
import { isolationProblems, releaseProblems } from './lib/expected';
import { readInstanceState, type InstanceState } from './lib/instance-state';
import type { IsolationPlan } from './lib/plan';
import type { EniIsolation } from './ensure-isolation-groups';

const clients = { ec2: createEc2Client(), autoScaling: createAutoScalingClient(), elbv2: createElbv2Client() };
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface VerifyIsolationEvent { plan: IsolationPlan; enis?: EniIsolation[] }
export interface IsolationVerified { state: InstanceState; snapshotIds: string[]; at: string }

/** Re-reads the instance, its ENIs, profile, protection, Auto Scaling and target groups: isolated as planned, or back as before. */
export const handler = async ({ plan, enis = [] }: VerifyIsolationEvent): Promise<IsolationVerified> => {
  const record = await readInstanceCase(dynamodb, TABLE, plan.caseId, plan.instanceId);
  if (!record) throw new ResourceNotFoundError(`no record of ${plan.instanceId} in case ${plan.caseId}`);
  const state = await readInstanceState(clients, plan.instanceId);
  const problems = plan.action === 'release'
    ? releaseProblems(state, record.prior)
    : isolationProblems(state, record, Object.fromEntries(enis.map((e) => [e.networkInterfaceId, e.emptyGroupId])), plan.caseId);
  if (problems.length > 0) throw new VerificationFailedError(`${plan.action} of ${plan.instanceId} not verified: ${problems.join('; ')}`);
  return { state, snapshotIds: record.snapshotIds, at: new Date().toISOString() };
};
