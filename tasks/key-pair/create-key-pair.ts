import { ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createEc2Client } from '../lib/clients/ec2';
import { createSsmClient } from '../lib/clients/ssm';
import { readEnv, requiredString } from '../lib/env';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ResourceTag } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { KEY_PAIR_KMS_KEY_ENV } from './lib/env';
import { findKeyPair } from './lib/key-pairs';
import { generateSshKey } from './lib/openssh';
import type { RotationPlan } from './lib/plan';

const ec2 = createEc2Client();
const ssm = createSsmClient();
const { [KEY_PAIR_KMS_KEY_ENV]: KMS_KEY } = readEnv({ [KEY_PAIR_KMS_KEY_ENV]: requiredString });

export interface CreateKeyPairEvent {
  plan: RotationPlan;
  executionName: string;
  /** The request: its caseId, when given, is tagged on the new key pair. */
  request: { caseId?: string };
}

export interface CreatedKeyPair {
  keyName: string;
  keyPairId: string;
  keyFingerprint: string;
  publicKey: string;
  parameterName: string;
  kmsKeyArn: string;
  /** false: a retry of this execution found the key pair the first attempt imported. */
  created: boolean;
  at: string;
}

/**
 * The new key pair: generated here, its private key stored first (SecureString under the stack's KMS key, which this
 * role may encrypt with but never read back), then its public key imported into EC2 under the plan's name with our
 * tags. A retry finds the key pair this execution imported; one that finds none makes a fresh key and overwrites the
 * parameter, so the stored private key always matches the key pair EC2 has.
 */
export const handler = async ({ plan, executionName, request }: CreateKeyPairEvent): Promise<CreatedKeyPair> => {
  const keyName = plan.newKeyName as string;
  const parameterName = plan.parameterName as string;
  const at = new Date().toISOString();
  const existing = await findKeyPair(ec2, keyName);
  if (existing) {
    if (tagValue(existing.Tags, TAG.execution) !== executionName) throw new PreconditionFailedError(`a key pair named ${keyName} exists and is not this execution's`);
    return {
      keyName, keyPairId: existing.KeyPairId as string, keyFingerprint: existing.KeyFingerprint as string, publicKey: (existing.PublicKey ?? '').trim(),
      parameterName, kmsKeyArn: KMS_KEY, created: false, at,
    };
  }
  const key = generateSshKey(keyName);
  await ssm.send(new PutParameterCommand({
    Name: parameterName, Value: key.privateKeyPem, Type: 'SecureString', KeyId: KMS_KEY, Overwrite: true,
    Description: `Private key of EC2 key pair ${keyName} (${plan.instanceId}), made by ${executionName}`,
  }));
  const tags: ResourceTag[] = [
    { Key: TAG.workflow, Value: WORKFLOW.rotateKeyPair }, { Key: TAG.execution, Value: executionName },
    ...(request.caseId ? [{ Key: TAG.case, Value: request.caseId }] : []),
  ];
  const imported = await ec2.send(new ImportKeyPairCommand({
    KeyName: keyName, PublicKeyMaterial: Buffer.from(key.publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: tags }],
  }));
  logger.info('key pair imported', { keyName, keyPairId: imported.KeyPairId, parameterName });
  return {
    keyName, keyPairId: imported.KeyPairId as string, keyFingerprint: imported.KeyFingerprint as string, publicKey: key.publicKey,
    parameterName, kmsKeyArn: KMS_KEY, created: true, at,
  };
};
