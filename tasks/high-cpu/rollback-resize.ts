import { ModifyInstanceAttributeCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { logger } from '../lib/logger';
import { STATE_PROFILE, advancePoll, type PollProfile } from '../lib/polling';
import type { PollState } from '../lib/types';

const ec2 = createEc2Client();

/** A stop, a change and a start, each seconds to minutes. */
const ROLLBACK_PROFILE: PollProfile = { ...STATE_PROFILE, basePolls: 60, maxPolls: 60 };

export interface RollbackResizeEvent {
  instanceId: string;
  /** The type the instance had before the run. */
  from: string;
  wasRunning: boolean;
  poll?: RollbackPoll;
}

export interface RollbackPoll extends PollState {
  /** What this call did or saw. */
  step: 'stopping' | 'restoring-type' | 'starting' | 'waiting' | 'restored';
  state: string;
  instanceType: string;
  /** Every call this rollback made, in order, for the report. */
  done: string[];
}

/** The error a person reads when the rollback cannot finish: what is left, and what to do. */
export class RollbackIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackIncompleteError';
  }
}

/**
 * One step of putting the instance back as it was (poll loop: `pending` until `completed`): stop it if it runs
 * with another type, set the original type once stopped, start it if it was running, until it runs (or stays
 * stopped) with its original type. Each call re-reads the instance, so a retry repeats nothing. A start that
 * fails (no capacity for the original type either) goes up to the state machine: RollbackFailedError.
 */
export const handler = async ({ instanceId, from, wasRunning, poll }: RollbackResizeEvent): Promise<RollbackPoll> => {
  const instance = await describeInstance(ec2, instanceId);
  const state = instance.State?.Name ?? 'unknown';
  const type = instance.InstanceType ?? 'unknown';
  const done = [...(poll?.done ?? [])];
  const what = `restoring ${instanceId} to ${from}${wasRunning ? ', running' : ''}`;
  const next = (step: RollbackPoll['step'], status: 'pending' | 'completed'): RollbackPoll =>
    ({ ...advancePoll(poll, { status }, ROLLBACK_PROFILE, 0, what), step, state, instanceType: type, done });
  if (state === 'terminated' || state === 'shutting-down') {
    throw new RollbackIncompleteError(`${instanceId} is ${state}: nothing left to restore (it was ${from}); find out who terminated it`);
  }
  if (type !== from) {
    if (state === 'running' || state === 'pending') {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
      done.push(`stop (it ran as ${type})`);
      return next('stopping', 'pending');
    }
    if (state !== 'stopped') return next('waiting', 'pending');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: from } }));
    done.push(`type ${type} -> ${from}`);
    logger.info('original type restored', { instanceId, from });
    return next('restoring-type', 'pending');
  }
  if (!wasRunning || state === 'running') return next('restored', 'completed');
  if (state === 'stopped') {
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    done.push(`start as ${from}`);
    return next('starting', 'pending');
  }
  return next('waiting', 'pending');
};
