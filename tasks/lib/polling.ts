import { PollBudgetExceededError, ResourceNotFoundError } from './errors';
import type { PollState, PollStatus } from './types';

/**
 * Poll loops are Wait -> check task -> Choice. Their intervals adapt so that one
 * execution stays far inside Step Functions' 25,000-event history limit even for
 * a 16 TiB volume: with a progress figure from AWS the next wait is half the
 * estimated remaining time; without one it doubles. Both are clamped.
 */
export interface PollProfile {
  minWaitSeconds: number;
  maxWaitSeconds: number;
  basePolls: number;
  /** One extra poll allowed per this many GiB of work. */
  gibPerExtraPoll: number;
  maxPolls: number;
}

/** Snapshots, copies and volume creation: minutes to days depending on size. */
export const DATA_PROFILE: PollProfile = {
  minWaitSeconds: 15,
  maxWaitSeconds: 1800,
  basePolls: 12,
  gibPerExtraPoll: 128,
  maxPolls: 200,
};

/** Instance stop/start and attach/detach: seconds to minutes. */
export const STATE_PROFILE: PollProfile = {
  minWaitSeconds: 5,
  maxWaitSeconds: 60,
  basePolls: 30,
  gibPerExtraPoll: Number.POSITIVE_INFINITY,
  maxPolls: 30,
};

/**
 * An instance leaving `pending`/`stopping` before preflight (triage fires right after StartInstances):
 * 5, 10, 20, then 30 s apart, 10 polls, about 4 minutes in all.
 */
export const SETTLE_PROFILE: PollProfile = { minWaitSeconds: 5, maxWaitSeconds: 30, basePolls: 10, gibPerExtraPoll: Number.POSITIVE_INFINITY, maxPolls: 10 };

/** Polls during which a just-created resource may still be invisible to Describe calls (EC2 is eventually consistent). */
export const NOT_YET_VISIBLE_POLLS = 3;

/** Detach/attach of one volume: seconds, occasionally minutes. */
export const SWAP_PROFILE: PollProfile = { ...STATE_PROFILE, basePolls: 20, maxPolls: 20 };

/**
 * The cleanup's settle loop: finds by tag until two agree and nothing is being created. Bounded: what is
 * still being created after the last round is reported as unsettled, never waited for without end.
 */
export const CLEANUP_PROFILE: PollProfile = { minWaitSeconds: 15, maxWaitSeconds: 120, basePolls: 20, gibPerExtraPoll: Number.POSITIVE_INFINITY, maxPolls: 20 };

/**
 * Volumes one execution swaps at most. With every budget exhausted, 40 volumes still
 * keep the history under 25,000 events; larger sets are split with `volumeIds`.
 */
export const MAX_VOLUMES_PER_EXECUTION = 40;

/** History events one poll round adds: Wait (2) + Lambda task (5) + Choice (2). */
export const EVENTS_PER_POLL = 9;

export function pollBudget(profile: PollProfile, workGiB: number): number {
  const extra = Number.isFinite(profile.gibPerExtraPoll) ? Math.ceil(workGiB / profile.gibPerExtraPoll) : 0;
  return Math.min(profile.maxPolls, profile.basePolls + extra);
}

export function nextWaitSeconds(
  profile: PollProfile,
  pollCount: number,
  elapsedSeconds: number,
  progressPercent?: number,
): number {
  let wait: number;
  if (progressPercent !== undefined && progressPercent > 0 && progressPercent < 100 && elapsedSeconds > 0) {
    const remaining = (elapsedSeconds * (100 - progressPercent)) / progressPercent;
    wait = remaining / 2;
  } else {
    wait = profile.minWaitSeconds * 2 ** pollCount;
  }
  return Math.round(Math.min(profile.maxWaitSeconds, Math.max(profile.minWaitSeconds, wait)));
}

export interface PollObservation {
  status: PollStatus;
  progress?: number;
  error?: { Error: string; Cause: string };
}

/**
 * Folds one observation into the loop's state. Throws PollBudgetExceededError
 * when the work is still pending after the budget's last poll.
 */
export function advancePoll(
  previous: PollState | undefined,
  observation: PollObservation,
  profile: PollProfile,
  workGiB: number,
  what: string,
  now: Date = new Date(),
): PollState {
  const startedAt = previous?.startedAt ?? now.toISOString();
  const count = (previous?.count ?? 0) + 1;
  const maxPolls = previous?.maxPolls ?? pollBudget(profile, workGiB);
  if (observation.status === 'pending' && count >= maxPolls) {
    throw new PollBudgetExceededError(`${what} still pending after ${count} polls (budget ${maxPolls})`);
  }
  const elapsedSeconds = (now.getTime() - Date.parse(startedAt)) / 1000;
  const state: PollState = {
    status: observation.status,
    count,
    startedAt,
    maxPolls,
    waitSeconds: nextWaitSeconds(profile, count - 1, elapsedSeconds, observation.progress),
  };
  if (observation.progress !== undefined) state.progress = observation.progress;
  if (observation.error) state.error = observation.error;
  return state;
}

/** EC2 reports snapshot progress as "42%". */
export function parsePercent(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const parsed = Number.parseFloat(value.replace('%', ''));
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * Reads resources created a moment ago. EC2 is eventually consistent: during the first
 * polls a NotFound means "not visible yet", answered with `undefined` (treat as pending).
 */
export async function readJustCreated<T>(read: () => Promise<T>, poll: PollState | undefined): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ResourceNotFoundError && (poll?.count ?? 0) < NOT_YET_VISIBLE_POLLS) return undefined;
    throw error;
  }
}
