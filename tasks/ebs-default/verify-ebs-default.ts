import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { createEc2Client } from '../lib/clients/ec2';
import { createKmsClient } from '../lib/clients/kms';
import { VerificationFailedError } from '../lib/errors';
import { readEbsDefaults, type EbsDefaults } from './lib/settings';

const ec2 = createEc2Client();
const kms = createKmsClient();

export interface VerifyEvent {
  plan: { desired: { kmsKeyArn: string } };
}

export interface EbsDefaultsVerified extends EbsDefaults {
  kmsKeyArn: string;
  at: string;
}

/** Re-reads both settings: encryption on, and the default key (resolved to its ARN) the planned one; otherwise the run rolls back. */
export const handler = async ({ plan }: VerifyEvent): Promise<EbsDefaultsVerified> => {
  const after = await readEbsDefaults(ec2);
  const wanted = plan.desired.kmsKeyArn;
  const kmsKeyArn = after.kmsKeyId === wanted ? wanted : (await kms.send(new DescribeKeyCommand({ KeyId: after.kmsKeyId }))).KeyMetadata?.Arn;
  if (!after.encryptionByDefault) throw new VerificationFailedError('GetEbsEncryptionByDefault still reports false after EnableEbsEncryptionByDefault');
  if (kmsKeyArn !== wanted) throw new VerificationFailedError(`GetEbsDefaultKmsKeyId reports ${after.kmsKeyId}, not ${wanted}`);
  return { ...after, kmsKeyArn, at: new Date().toISOString() };
};
