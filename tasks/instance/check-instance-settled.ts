import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { PollBudgetExceededError, ResourceNotFoundError } from '../lib/errors';
import { SETTLE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

export interface CheckInstanceSettledEvent {
  instanceId: string;
  poll?: PollState;
}

export interface SettledPoll extends PollState {
  /** The state this poll saw. */
  seen: string;
}

/** States an instance passes through on its own; every other state is for preflight to judge. */
const TRANSITIONAL = new Set(['pending', 'stopping']);

/**
 * One poll before preflight (a kit option, workflows/lib/skeleton.ts `settleInstance`): `pending` while the
 * instance is pending or stopping, `completed` at any other state. Read-only; the budget (SETTLE_PROFILE)
 * running out fails the run with PollBudgetExceededError before anything is changed.
 */
export const handler = async ({ instanceId, poll }: CheckInstanceSettledEvent): Promise<SettledPoll> => {
  // An instance that does not exist is for preflight to refuse (ResourceNotFoundError), as every other state is.
  const state = await describeInstance(ec2, instanceId).then((i) => i.State?.Name ?? 'unknown', (error: unknown) => {
    if (error instanceof ResourceNotFoundError) return 'not-found';
    throw error;
  });
  const status = TRANSITIONAL.has(state) ? 'pending' : 'completed';
  try {
    return { ...advancePoll(poll, { status }, SETTLE_PROFILE, 0, `instance ${instanceId}`), seen: state };
  } catch (error) {
    if (!(error instanceof PollBudgetExceededError)) throw error;
    throw new PollBudgetExceededError(
      `instance ${instanceId} is still ${state} after ${(poll?.count ?? 0) + 1} polls before preflight (budget ${poll?.maxPolls ?? SETTLE_PROFILE.maxPolls}): nothing was changed; start the run again once it is running or stopped`,
    );
  }
};
