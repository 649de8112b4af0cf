import { EnableEbsEncryptionByDefaultCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import type { StepStatus } from './lib/settings';

const ec2 = createEc2Client();

export interface EnableEvent {
  plan: { changes: string[] };
}

export interface Enabled {
  status: StepStatus;
  at: string;
}

/** EnableEbsEncryptionByDefault when the plan says so and it is still off (a retry finds it on and changes nothing). */
export const handler = async ({ plan }: EnableEvent): Promise<Enabled> => {
  const at = new Date().toISOString();
  if (!plan.changes.includes('enable-encryption-by-default')) return { status: 'unchanged', at };
  if ((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault === true) return { status: 'unchanged', at };
  await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
  logger.info('EBS encryption by default enabled');
  return { status: 'changed', at };
};
