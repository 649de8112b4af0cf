import { DeleteKeyPairCommand } from '@aws-sdk/client-ec2';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { createEc2Client } from '../lib/clients/ec2';
import { createSsmClient } from '../lib/clients/ssm';
import { awsErrorName } from '../lib/errors';
import { TAG, tagValue } from '../lib/tags';
import { findKeyPair } from './lib/key-pairs';
import type { RotationPlan } from './lib/plan';
import type { KeyCommandPoll } from './check-key-command';

const ec2 = createEc2Client();
const ssm = createSsmClient();

export interface RemoveNewKeyPairEvent {
  plan: RotationPlan;
  executionName: string;
  /** Why the rotation is rolled back (the caught error). */
  error: { Error: string; Cause: string };
  /** The restore command's last poll, when the rotate command had been sent. */
  restored?: KeyCommandPoll;
}

/** The rollback's report: the execution's cause (RemediationRolledBack). */
export interface RotationRolledBack {
  error: { Error: string; Cause: string };
  instanceId: string;
  authorizedKeys: string;
  newKeyPair: { keyName: string; deleted: boolean };
  parameter: { name: string; deleted: boolean };
  oldKeyPair: string;
  at: string;
}

/**
 * Rollback: deletes the new key pair (only the one this execution imported, by its tag) and its private key's
 * parameter; both may not exist (the failure came first). Idempotent: a retry finds nothing left.
 */
export const handler = async ({ plan, executionName, error, restored }: RemoveNewKeyPairEvent): Promise<RotationRolledBack> => {
  const keyName = plan.newKeyName as string;
  const name = plan.parameterName as string;
  const found = await findKeyPair(ec2, keyName);
  const ours = found !== undefined && tagValue(found.Tags, TAG.execution) === executionName;
  // By name (found and checked as ours just now): moto 5.2.1 ignores DeleteKeyPair by KeyPairId.
  if (ours) await ec2.send(new DeleteKeyPairCommand({ KeyName: keyName }));
  const parameterDeleted = await ssm.send(new DeleteParameterCommand({ Name: name })).then(() => true, (e: unknown) => {
    if (awsErrorName(e) === 'ParameterNotFound') return false;
    throw e;
  });
  return {
    error, instanceId: plan.instanceId,
    authorizedKeys: restored ? `restored from the backup (${restored.output ?? restored.commandStatus})` : 'not changed (the rotate command was never sent)',
    newKeyPair: { keyName, deleted: ours }, parameter: { name, deleted: parameterDeleted },
    oldKeyPair: `${plan.oldKeyPair?.keyName ?? plan.keyName} kept`, at: new Date().toISOString(),
  };
};
