import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { STATE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckStatusChecksEvent {
  instanceId: string;
  poll?: PollState;
}

export interface StatusChecksPoll extends PollState {
  system?: string;
  instance?: string;
}

/** Status-check results that never turn ok without someone acting. */
const FAILED = new Set(['impaired', 'not-applicable']);

/**
 * One poll of the started instance's status checks: `completed` when the system and instance checks are both
 * ok, `error` when either is impaired (the new type does not boot as it should), `pending` while they initialize.
 */
export const handler = async ({ instanceId, poll }: CheckStatusChecksEvent): Promise<StatusChecksPoll> => {
  const out = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true }));
  const status = out.InstanceStatuses?.[0];
  const system = status?.SystemStatus?.Status ?? 'unknown';
  const instance = status?.InstanceStatus?.Status ?? 'unknown';
  const what = `status checks of ${instanceId}`;
  const seen = { system, instance };
  if (system === 'ok' && instance === 'ok') return { ...advancePoll(poll, { status: 'completed' }, STATE_PROFILE, 0, what), ...seen };
  if (FAILED.has(system) || FAILED.has(instance)) {
    return {
      ...advancePoll(poll, { status: 'error', error: { Error: 'StatusChecksFailed', Cause: `${what}: system ${system}, instance ${instance}` } }, STATE_PROFILE, 0, what),
      ...seen,
    };
  }
  return { ...advancePoll(poll, { status: 'pending' }, STATE_PROFILE, 0, what), ...seen };
};
