import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import type { ImdsPlan } from './plan-imds';

const ec2 = createEc2Client();

export interface SetDefaultsEvent {
  plan: Pick<ImdsPlan, 'accountDefault'>;
}

export interface DefaultsSet {
  status: 'changed' | 'unchanged';
  at: string;
}

/** ModifyInstanceMetadataDefaults with HttpTokens required (only that field), when the plan says so and it is not so yet. */
export const handler = async ({ plan }: SetDefaultsEvent): Promise<DefaultsSet> => {
  const at = new Date().toISOString();
  if (!plan.accountDefault?.change) return { status: 'unchanged', at };
  if ((await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel?.HttpTokens === 'required') return { status: 'unchanged', at };
  await ec2.send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'required' }));
  logger.info('instance metadata defaults: HttpTokens required');
  return { status: 'changed', at };
};
