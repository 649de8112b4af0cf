import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../lib/clients/ssm';
import { awsErrorName } from '../lib/errors';
import { NOT_YET_VISIBLE_POLLS, STATE_PROFILE, advancePoll, type PollProfile } from '../lib/polling';
import type { PollState, PollStatus } from '../lib/types';
import type { SentKeyCommand } from './send-key-command';

const ssm = createSsmClient();

/** A shell script of a few lines: seconds, or up to its 120 s timeout plus SSM's delivery; 5, 10, 20, then 30 s apart. */
export const COMMAND_PROFILE: PollProfile = { ...STATE_PROFILE, maxWaitSeconds: 30, basePolls: 30, maxPolls: 30 };

/** The error a failed command is reported with (the rollback's cause names it). */
export const KEY_COMMAND_FAILED = 'KeyCommandFailedError';

export interface CheckKeyCommandEvent {
  command: SentKeyCommand;
  poll?: PollState;
}

export interface KeyCommandPoll extends PollState {
  commandStatus: string;
  exitCode?: number;
  output?: string;
}

const PENDING = new Set(['Pending', 'InProgress', 'Delayed']);
const clip = (text: string | undefined): string => (text ?? '').trim().slice(-500);

/**
 * One poll of a Run Command invocation (GetCommandInvocation): pending while SSM has it Pending, InProgress or Delayed
 * (and while the invocation is not yet visible, right after SendCommand); completed on Success; error on every other
 * end (Failed, TimedOut, Cancelled), with the script's exit code and stderr in the cause.
 */
export const handler = async ({ command, poll }: CheckKeyCommandEvent): Promise<KeyCommandPoll> => {
  const what = `${command.kind} command ${command.commandId} on ${command.instanceId}`;
  let invocation;
  try {
    invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: command.commandId, InstanceId: command.instanceId }));
  } catch (error) {
    if (awsErrorName(error) !== 'InvocationDoesNotExist' || (poll?.count ?? 0) >= NOT_YET_VISIBLE_POLLS) throw error;
    return { ...advancePoll(poll, { status: 'pending' }, COMMAND_PROFILE, 0, what), commandStatus: 'NotYetVisible' };
  }
  const commandStatus = invocation.Status ?? 'Pending';
  const status: PollStatus = PENDING.has(commandStatus) ? 'pending' : commandStatus === 'Success' ? 'completed' : 'error';
  const exitCode = invocation.ResponseCode;
  const stderr = clip(invocation.StandardErrorContent);
  const error = status === 'error' ? { Error: KEY_COMMAND_FAILED, Cause: `${what} ended ${commandStatus} (exit code ${exitCode ?? 'none'}): ${stderr || invocation.StatusDetails || 'no output'}` } : undefined;
  return {
    ...advancePoll(poll, { status, ...(error ? { error } : {}) }, COMMAND_PROFILE, 0, what),
    commandStatus, ...(exitCode !== undefined && exitCode >= 0 ? { exitCode } : {}), output: clip(invocation.StandardOutputContent),
  };
};
