import { createEc2Client } from '../lib/clients/ec2';
import { createSsmClient } from '../lib/clients/ssm';
import { describeInstance } from '../lib/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { TAG, tagValue } from '../lib/tags';
import type { ExecutionFacts } from '../lib/types';
import { amiUser, ssmManaged } from './lib/instance';
import { asOldKeyPair, findKeyPair } from './lib/key-pairs';
import { manualRotationSteps, newKeyNameFor, parameterName, type RotationPlan } from './lib/plan';
import type { RotateKeyPairInput } from './lib/schema';

const ec2 = createEc2Client();
const ssm = createSsmClient();

export interface PlanKeyRotationEvent {
  request: RotateKeyPairInput;
  execution: ExecutionFacts;
}

/**
 * Preflight (read-only, run again after an approval): the instance's KeyName, whether that key pair still exists
 * (with its public key, to find its line in authorized_keys), whether SSM manages the instance. No key pair:
 * NO_ACTION; not SSM-managed: NO_ACTION with the manual steps; rotateKeyPair not true: NO_ACTION, reported.
 */
export const handler = async ({ request, execution }: PlanKeyRotationEvent): Promise<RotationPlan> => {
  const { instanceId } = request;
  const instance = await describeInstance(ec2, instanceId);
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') throw new PreconditionFailedError(`${instanceId} is tagged ${TAG.exclude}=true`);
  const state = instance.State?.Name;
  if (state === 'terminated' || state === 'shutting-down') throw new PreconditionFailedError(`${instanceId} is ${state}`);
  const osUser = request.osUser ?? (await amiUser(ec2, instance.ImageId));
  const base = { target: instanceId, instanceId, osUser, ...(instance.Platform ? { platform: instance.Platform } : {}) };
  const keyName = instance.KeyName;
  if (!keyName) return { ...base, outcome: 'NO_ACTION', ssmManaged: false, reason: 'the instance was launched without a key pair' };
  const found = await findKeyPair(ec2, keyName);
  if (!found) {
    return { ...base, outcome: 'NO_ACTION', keyName, ssmManaged: false, reason: `key pair ${keyName} no longer exists in EC2 (already rotated or deleted); the instance's KeyName metadata keeps the name` };
  }
  const oldKeyPair = asOldKeyPair(found);
  const managed = instance.Platform?.toLowerCase() !== 'windows' && state === 'running' && (await ssmManaged(ssm, instanceId));
  if (!managed) {
    return {
      ...base, outcome: 'NO_ACTION', keyName, oldKeyPair, ssmManaged: false, manualSteps: manualRotationSteps(instanceId, keyName, osUser),
      reason: `${instanceId} is not a running, SSM-managed Linux instance: rotation is manual`,
    };
  }
  if (!oldKeyPair.publicKey) throw new PreconditionFailedError(`EC2 returned no public key for ${keyName}: its line in authorized_keys cannot be found`);
  const newKeyName = newKeyNameFor(keyName, instanceId, execution.startTime, request.caseId);
  const plan = { ...base, keyName, oldKeyPair, ssmManaged: true, newKeyName, parameterName: parameterName(instanceId, newKeyName) };
  if (!request.rotateKeyPair) return { ...plan, outcome: 'NO_ACTION', reason: 'rotateKeyPair is not true: reported only' };
  return { ...plan, outcome: request.mode === 'plan' ? 'PLANNED' : 'PROCEED' };
};
