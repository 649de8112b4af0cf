import { DisassociateIamInstanceProfileCommand } from '@aws-sdk/client-ec2';
import { PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createIamClient } from '../lib/clients/iam';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName } from '../lib/errors';
import { sessionDenyDocument } from '../principal/lib/principal';
import { INSTANCE_CASE_TABLE_ENV, STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const ec2 = createEc2Client();
const iam = createIamClient();
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface RevokeInstanceProfileEvent { plan: IsolationPlan }

/**
 * Step 5: the profile off the instance (no new credentials), then contain-principal's session deny on its role, so
 * the credentials already handed to the instance (and anyone who copied them) stop working. The deny stays after release.
 */
export const handler = async ({ plan }: RevokeInstanceProfileEvent): Promise<{ steps: StepRecord[] }> => {
  const { steps, record } = stepRecorder(dynamodb, TABLE, plan.caseId, plan.instanceId);
  const profile = plan.state.profile;
  if (profile) {
    try {
      await ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: profile.associationId }));
    } catch (error) {
      // A retry after a lost answer: the first attempt disassociated it.
      if (awsErrorName(error) !== 'InvalidAssociationID.NotFound') throw error;
    }
    await record({ action: STEP.profile, resourceId: plan.instanceId, before: { ...profile } });
  }
  if (plan.profileRole) {
    const revokedBefore = new Date().toISOString();
    await iam.send(new PutRolePolicyCommand({ RoleName: plan.profileRole.name, PolicyName: plan.profileRole.policyName, PolicyDocument: sessionDenyDocument(revokedBefore) }));
    await record({ action: STEP.sessionDeny, resourceId: plan.profileRole.arn, after: { policyName: plan.profileRole.policyName, revokedBefore } });
  }
  return { steps };
};
