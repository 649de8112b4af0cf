import { GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { VerificationFailedError } from '../lib/errors';
import { STATE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';
import { describeByIds } from './lib/instances';
import { isEnforced, optionsOf, type MetadataOptions } from './lib/options';
import type { ImdsRequest } from './lib/schema';
import type { ImdsPlan } from './plan-imds';

const ec2 = createEc2Client();

export interface CheckEvent {
  request: Pick<ImdsRequest, 'httpPutResponseHopLimit'>;
  plan: Pick<ImdsPlan, 'toEnforce' | 'accountDefault'>;
  poll?: PollState;
}

export interface MetadataVerification extends PollState {
  /** Each changed instance's options as read (once every one is applied). */
  instances?: { instanceId: string; after: MetadataOptions }[];
  accountDefault?: { httpTokens?: string };
}

/**
 * Verify: EC2 applies new metadata options asynchronously (State `pending`, then `applied`): pending while any is,
 * then each must require tokens (and have the hop limit asked for) and the account default, where changed, must be
 * required — otherwise VerificationFailedError, and the run rolls back. Bounded by the state poll budget.
 */
export const handler = async ({ request, plan, poll }: CheckEvent): Promise<MetadataVerification> => {
  const now = await describeByIds(ec2, plan.toEnforce);
  const read = plan.toEnforce.map((instanceId) => ({ instanceId, after: optionsOf(now.get(instanceId) ?? {}) }));
  const pending = read.filter((r) => r.after.state === 'pending');
  if (pending.length > 0) return advancePoll(poll, { status: 'pending' }, STATE_PROFILE, 0, `metadata options of ${pending.map((p) => p.instanceId).join(', ')}`);
  const wrong = read.filter((r) => !now.has(r.instanceId) || !isEnforced(r.after, request.httpPutResponseHopLimit));
  if (wrong.length > 0) {
    throw new VerificationFailedError(`metadata options not as set: ${wrong.map((w) => `${w.instanceId} HttpTokens=${w.after.httpTokens} hop limit ${w.after.hopLimit}`).join('; ')}`);
  }
  let accountDefault: MetadataVerification['accountDefault'];
  if (plan.accountDefault?.change) {
    const httpTokens = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel?.HttpTokens;
    if (httpTokens !== 'required') throw new VerificationFailedError(`instance metadata defaults report HttpTokens ${httpTokens ?? 'unset'}, not required`);
    accountDefault = { httpTokens };
  }
  return { ...advancePoll(poll, { status: 'completed' }, STATE_PROFILE, 0, 'metadata options'), instances: read, ...(accountDefault ? { accountDefault } : {}) };
};
