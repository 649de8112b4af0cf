import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { InstanceChangedError } from '../lib/errors';
import { STATE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckInstanceStateEvent {
  instanceId: string;
  desired: 'stopped' | 'running';
  poll?: InstanceStatePoll;
}

/** A poll of the instance state, with the state this poll saw. */
export interface InstanceStatePoll extends PollState {
  seen?: string;
}

const STOPPING_OR_STOPPED = new Set(['stopping', 'stopped']);
const STARTING_OR_RUNNING = new Set(['pending', 'running']);

/**
 * One poll of the instance state: `completed` at the desired state, `error` if it can never get there.
 * Waiting for `stopped`, an instance seen stopping/stopped that is pending/running again was started by
 * someone else: InstanceChangedError (rollback), so the workflow never stops it a second time.
 */
export const handler = async ({ instanceId, desired, poll }: CheckInstanceStateEvent): Promise<InstanceStatePoll> => {
  const instance = await describeInstance(ec2, instanceId);
  const state = instance.State?.Name ?? 'unknown';
  const what = `instance ${instanceId} reaching ${desired}`;
  const seen = (next: PollState): InstanceStatePoll => ({ ...next, seen: state });
  if (desired === 'stopped' && STARTING_OR_RUNNING.has(state) && poll?.seen && STOPPING_OR_STOPPED.has(poll.seen)) {
    throw new InstanceChangedError(
      `instance ${instanceId} is ${state} again after it was seen ${poll.seen}: someone started it while the workflow waited for it to stop; not stopping it again`,
    );
  }
  if (state === desired) return seen(advancePoll(poll, { status: 'completed' }, STATE_PROFILE, 0, what));
  if (state === 'terminated' || state === 'shutting-down') {
    return seen(advancePoll(poll, {
      status: 'error',
      error: { Error: 'InstanceLost', Cause: `instance ${instanceId} is ${state}` },
    }, STATE_PROFILE, 0, what));
  }
  return seen(advancePoll(poll, { status: 'pending' }, STATE_PROFILE, 0, what));
};
