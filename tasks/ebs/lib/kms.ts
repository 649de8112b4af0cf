import { GetEbsDefaultKmsKeyIdCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PreconditionFailedError, awsErrorName } from '../../lib/errors';

/**
 * Resolves a key id, key ARN, alias name or alias ARN (or, when none is given,
 * the account's EBS default key) to the key ARN, refusing keys EBS cannot use.
 */
export async function resolveUsableKey(ec2: EC2Client, kms: KMSClient, requested: string | undefined): Promise<string> {
  let keyId = requested;
  if (!keyId) {
    const out = await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}));
    keyId = out.KmsKeyId ?? 'alias/aws/ebs';
  }
  let metadata;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    if (awsErrorName(error) === 'NotFoundException') throw new PreconditionFailedError(`KMS key ${keyId} does not exist`);
    if (awsErrorName(error) === 'AccessDeniedException') throw new PreconditionFailedError(`KMS key ${keyId} is not accessible: ${(error as Error).message}`);
    throw error;
  }
  if (!metadata?.Arn) throw new PreconditionFailedError(`KMS key ${keyId} does not exist`);
  if (metadata.KeyState !== 'Enabled') {
    throw new PreconditionFailedError(`KMS key ${keyId} is ${metadata.KeyState ?? 'not enabled'}, not Enabled`);
  }
  if (metadata.KeyUsage && metadata.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw new PreconditionFailedError(`KMS key ${keyId} has usage ${metadata.KeyUsage}; EBS needs ENCRYPT_DECRYPT`);
  }
  if (metadata.KeySpec && metadata.KeySpec !== 'SYMMETRIC_DEFAULT') {
    throw new PreconditionFailedError(`KMS key ${keyId} is ${metadata.KeySpec}; EBS needs a symmetric key`);
  }
  return metadata.Arn;
}
