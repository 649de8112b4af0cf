import { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand, type EC2Client } from '@aws-sdk/client-ec2';

/** The AWS managed key EC2 names until a default key is set (GetEbsDefaultKmsKeyId, ResetEbsDefaultKmsKeyId). */
export const AWS_MANAGED_EBS_KEY = 'alias/aws/ebs';

/** The region's EBS encryption-by-default settings, as the two Get calls report them. */
export interface EbsDefaults {
  encryptionByDefault: boolean;
  /** As EC2 reports it: a key ARN, or `alias/aws/ebs` (or its alias ARN) while none was set. */
  kmsKeyId: string;
}

export async function readEbsDefaults(ec2: EC2Client): Promise<EbsDefaults> {
  const [encryption, key] = await Promise.all([
    ec2.send(new GetEbsEncryptionByDefaultCommand({})),
    ec2.send(new GetEbsDefaultKmsKeyIdCommand({})),
  ]);
  return { encryptionByDefault: encryption.EbsEncryptionByDefault === true, kmsKeyId: key.KmsKeyId ?? AWS_MANAGED_EBS_KEY };
}

/** The AWS managed key, by alias name or alias ARN: what ResetEbsDefaultKmsKeyId puts back. */
export const isAwsManagedEbsKey = (kmsKeyId: string): boolean => kmsKeyId === AWS_MANAGED_EBS_KEY || kmsKeyId.endsWith(`:${AWS_MANAGED_EBS_KEY}`);

/** What a step of the run did, for the report and the rollback. */
export type StepStatus = 'changed' | 'unchanged';
