import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { STATE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckInstanceStateEvent {
  instanceId: string;
  desired: 'stopped' | 'running';
  poll?: PollState;
}

/** One poll of the instance state: `completed` at the desired state, `error` if it can never get there. */
export const handler = async ({ instanceId, desired, poll }: CheckInstanceStateEvent): Promise<PollState> => {
  const instance = await describeInstance(ec2, instanceId);
  const state = instance.State?.Name ?? 'unknown';
  const what = `instance ${instanceId} reaching ${desired}`;
  if (state === desired) return advancePoll(poll, { status: 'completed' }, STATE_PROFILE, 0, what);
  if (state === 'terminated' || state === 'shutting-down') {
    return advancePoll(poll, {
      status: 'error',
      error: { Error: 'InstanceLost', Cause: `instance ${instanceId} is ${state}` },
    }, STATE_PROFILE, 0, what);
  }
  return advancePoll(poll, { status: 'pending' }, STATE_PROFILE, 0, what);
};
