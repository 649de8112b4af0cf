import { GetEbsDefaultKmsKeyIdCommand, ModifyEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import type { StepStatus } from './lib/settings';

const ec2 = createEc2Client();

export interface SetKeyEvent {
  plan: { changes: string[]; desired: { kmsKeyArn: string } };
}

export interface KeySet {
  status: StepStatus;
  kmsKeyId: string;
  at: string;
}

/** ModifyEbsDefaultKmsKeyId to the planned key's ARN, unless it already is the default (a retry changes nothing). */
export const handler = async ({ plan }: SetKeyEvent): Promise<KeySet> => {
  const at = new Date().toISOString();
  const wanted = plan.desired.kmsKeyArn;
  if (!plan.changes.includes('set-default-kms-key')) return { status: 'unchanged', kmsKeyId: wanted, at };
  if ((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId === wanted) return { status: 'unchanged', kmsKeyId: wanted, at };
  const out = await ec2.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: wanted }));
  logger.info('EBS default key set', { kmsKeyId: out.KmsKeyId });
  return { status: 'changed', kmsKeyId: out.KmsKeyId ?? wanted, at };
};
