import { createConfigClient } from '../lib/clients/config';
import { ErrorNames } from '../lib/errors';
import { type PollProfile, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';
import { type ConfigState, type DesiredSettings, differences, isFailure, readConfigState } from './config-state';

const config = createConfigClient();

/** Config starts recording within seconds to a few minutes. */
export const RECORDING_PROFILE: PollProfile = { minWaitSeconds: 5, maxWaitSeconds: 60, basePolls: 12, gibPerExtraPoll: Number.POSITIVE_INFINITY, maxPolls: 12 };

export interface CheckRecordingEvent {
  desired: DesiredSettings;
  startedAt: string;
  poll?: PollState;
}

export interface RecordingCheck extends PollState {
  /** What Config reports once verified: the report's "after". */
  after?: ConfigState;
}

const failed = (poll: PollState | undefined, cause: string): RecordingCheck =>
  advancePoll(poll, { status: 'error', error: { Error: ErrorNames.verificationFailed, Cause: cause } }, RECORDING_PROFILE, 0, 'recorder');

/**
 * Verify: re-reads recorder and channel (the settings we put) and the recorder's status.
 * `completed` when recording with a last status other than FAILURE; `error` (VerificationFailedError)
 * when the settings differ or Config reports FAILURE since our start; otherwise `pending`.
 */
export const handler = async ({ desired, startedAt, poll }: CheckRecordingEvent): Promise<RecordingCheck> => {
  const state = await readConfigState(config);
  const name = desired.recorder.name;
  if (!state.recorder || !state.channel) {
    const missing = [state.recorder ? '' : `recorder ${name}`, state.channel ? '' : `delivery channel ${desired.channel.name}`].filter(Boolean);
    return failed(poll, `after apply, Config reports no ${missing.join(' and ')}`);
  }
  const left = differences(state, desired);
  if (left.length > 0) return failed(poll, `after apply, settings still differ: ${left.join('; ')}`);
  const status = state.status;
  // A FAILURE from before our start is history; one since is this run's.
  if (isFailure(status?.lastStatus) && (status?.lastStatusChangeTime ?? startedAt) >= startedAt) {
    return failed(poll, `recorder ${name} lastStatus ${status?.lastStatus}: ${status?.lastErrorCode ?? 'no error code'}: ${status?.lastErrorMessage ?? 'no reason given'}`);
  }
  if (status?.recording && !isFailure(status.lastStatus)) {
    return { ...advancePoll(poll, { status: 'completed' }, RECORDING_PROFILE, 0, 'recorder'), after: state };
  }
  return advancePoll(poll, { status: 'pending' }, RECORDING_PROFILE, 0, `recorder ${name} to report recording`);
};
