import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { createConfigClient } from '../lib/clients/config';
import { createS3Client } from '../lib/clients/s3';
import { ErrorNames, awsErrorName } from '../lib/errors';
import { type PollProfile, advancePoll, pollBudget } from '../lib/polling';
import type { PollState } from '../lib/types';
import { type ConfigState, type DesiredSettings, differences, isFailure, isSuccess, readConfigState } from './config-state';

const config = createConfigClient();
const s3 = createS3Client();

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

/** Why Config cannot deliver to the channel's bucket, if it cannot: HeadBucket (s3:ListBucket on the bucket). */
async function bucketProblem(bucket: string): Promise<string | undefined> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return undefined;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NotFound' || name === 'NoSuchBucket') return `delivery bucket ${bucket} does not exist: Config cannot deliver to it`;
    if (name === 'Forbidden' || name === 'AccessDenied') return `delivery bucket ${bucket} cannot be read (${name}): it belongs to another account, or this function lacks s3:ListBucket on it`;
    throw error; // throttling and service errors: retried
  }
}

/**
 * Verify: re-reads recorder and channel (the settings we put), the channel's bucket and delivery
 * status, and the recorder's status. `completed` once Config records with a last status of Success;
 * `error` (VerificationFailedError) when the settings differ, the bucket is missing or unreadable, a
 * delivery or the recorder failed since our start, or the recorder is still not recording successfully
 * at the budget's last poll; otherwise `pending`.
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
  const bucket = await bucketProblem(state.channel.s3BucketName as string);
  if (bucket) return failed(poll, bucket);
  // A failure from before our start is history; one since is this run's.
  const since = (at: string | undefined) => (at ?? startedAt) >= startedAt;
  const delivery = state.deliveryFailure;
  if (delivery && since(delivery.at)) {
    return failed(poll, `delivery channel ${state.channel.name} last delivery failed: ${delivery.errorCode ?? 'no error code'}: ${delivery.errorMessage ?? 'no reason given'}`);
  }
  const status = state.status;
  if (isFailure(status?.lastStatus) && since(status?.lastStatusChangeTime)) {
    return failed(poll, `recorder ${name} lastStatus ${status?.lastStatus}: ${status?.lastErrorCode ?? 'no error code'}: ${status?.lastErrorMessage ?? 'no reason given'}`);
  }
  if (status?.recording && isSuccess(status.lastStatus)) {
    return { ...advancePoll(poll, { status: 'completed' }, RECORDING_PROFILE, 0, 'recorder'), after: state };
  }
  const count = (poll?.count ?? 0) + 1;
  const budget = poll?.maxPolls ?? pollBudget(RECORDING_PROFILE, 0);
  if (count >= budget) {
    return failed(poll, `recorder ${name} is ${status?.recording ? 'recording' : 'not recording'} with lastStatus ${status?.lastStatus ?? '(none)'} after ${count} polls (budget ${budget}): Config has not confirmed a successful recording`);
  }
  return advancePoll(poll, { status: 'pending' }, RECORDING_PROFILE, 0, `recorder ${name} to report recording`);
};
