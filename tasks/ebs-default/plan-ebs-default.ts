import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { resolveUsableKey } from '../ebs/lib/kms';
import { createEc2Client } from '../lib/clients/ec2';
import { createKmsClient } from '../lib/clients/kms';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts, Outcome } from '../lib/types';
import type { EbsDefaultRequest } from './lib/schema';
import { readEbsDefaults, type EbsDefaults } from './lib/settings';

const ec2 = createEc2Client();
const kms = createKmsClient();
const { AWS_REGION: REGION } = readEnv({ AWS_REGION: requiredString });

export interface EbsDefaultPlanEvent {
  request: EbsDefaultRequest;
  execution: ExecutionFacts;
}

export interface EbsDefaultPlan {
  outcome: Outcome;
  /** The settings are per region: this one (the function's). */
  region: string;
  /** The region's settings as read now, the key resolved to its ARN where it resolves. */
  before: EbsDefaults & { kmsKeyArn?: string };
  desired: { encryptionByDefault: true; kmsKeyArn: string };
  /** What apply changes, in order. */
  changes: ('enable-encryption-by-default' | 'set-default-kms-key')[];
  warnings: string[];
}

/** The current key's ARN; a key that no longer resolves (deleted, not ours to read) has none, so it is replaced. */
async function currentKeyArn(kmsKeyId: string): Promise<string | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: kmsKeyId }))).KeyMetadata?.Arn;
  } catch (error) {
    if (awsErrorName(error) === 'NotFoundException' || awsErrorName(error) === 'AccessDeniedException') return undefined;
    throw error;
  }
}

/**
 * Read-only: GetEbsEncryptionByDefault and GetEbsDefaultKmsKeyId, and the key the region will use from now on (the
 * input's, else the current one) checked usable for EBS (exists, Enabled, symmetric ENCRYPT_DECRYPT) — an unusable
 * key would make every new volume in the region fail to create, so the run is refused (PreconditionFailedError)
 * before any change. Already on with that key: NO_ACTION.
 */
export const handler = async ({ request }: EbsDefaultPlanEvent): Promise<EbsDefaultPlan> => {
  const current = await readEbsDefaults(ec2);
  const kmsKeyArn = await resolveUsableKey(ec2, kms, request.kmsKeyId ?? current.kmsKeyId);
  const beforeArn = request.kmsKeyId ? await currentKeyArn(current.kmsKeyId) : kmsKeyArn;
  const changes: EbsDefaultPlan['changes'] = [
    ...(current.encryptionByDefault ? [] : ['enable-encryption-by-default' as const]),
    ...(beforeArn === kmsKeyArn ? [] : ['set-default-kms-key' as const]),
  ];
  const warnings = changes.length === 0 ? [] : [
    `from now on every new EBS volume in this region is encrypted with ${kmsKeyArn} (volumes from unencrypted snapshots too): ` +
      'every role, service and Auto Scaling group that creates volumes or launches instances here needs kms:CreateGrant, ' +
      'kms:GenerateDataKeyWithoutPlaintext and kms:Decrypt on that key, or its launches fail.',
    ...(current.encryptionByDefault ? [] : ['existing unencrypted volumes stay unencrypted: encrypt-volumes replaces them.']),
  ];
  const outcome: Outcome = changes.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { outcome, changes, kmsKeyArn });
  return {
    outcome,
    region: REGION,
    before: { ...current, ...(beforeArn ? { kmsKeyArn: beforeArn } : {}) },
    desired: { encryptionByDefault: true, kmsKeyArn },
    changes,
    warnings,
  };
};
