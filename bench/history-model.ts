import { DATA_PROFILE, EVENTS_PER_POLL, MAX_VOLUMES_PER_EXECUTION, STATE_PROFILE, SWAP_PROFILE, advancePoll, pollBudget, type PollProfile } from '../tasks/lib/polling';
import type { PollState } from '../tasks/lib/types';

/** Events Step Functions writes per state: a Lambda task 5, Wait/Choice/Pass 2, a Map 4 plus 2 per iteration. */
export const EVENTS = { task: 5, wait: 2, choice: 2, pass: 2, map: 4, iteration: 2, execution: 2 } as const;
export const HISTORY_LIMIT = 25_000;

/** Checks a poll loop makes for work that takes `seconds`, with AWS reporting linear progress (or none). */
export function checksFor(profile: PollProfile, workGiB: number, seconds: number, reportsProgress = true): number {
  const start = Date.UTC(2026, 0, 1);
  let poll: PollState | undefined;
  let t = 0;
  for (;;) {
    const progress = Math.min(100, (100 * t) / Math.max(seconds, 1));
    const done = t >= seconds;
    poll = advancePoll(poll, done ? { status: 'completed' } : { status: 'pending', ...(reportsProgress ? { progress } : {}) }, profile, workGiB, 'model', new Date(start + t * 1000));
    if (done) return poll.count;
    t += poll.waitSeconds;
  }
}

/** History events of one poll loop with `checks` checks: the first check has no Wait before it. */
export const loopEvents = (checks: number) => checks * (EVENTS.task + EVENTS.choice) + (checks - 1) * EVENTS.wait;
export { EVENTS_PER_POLL };

export interface RunShape {
  volumes: number;
  /** Checks per data phase: pre-copy snapshot, pre-copy encrypted copy, final snapshot, final copy, new volumes. */
  dataPhaseChecks: [number, number, number, number, number];
  instanceChecks: { stopped: number; started: number };
  swapChecksPerVolume: number;
}

/** Events of one copy-strategy run of a running instance, counted state by state as the definition is built. */
export function historyEvents(shape: RunShape): number {
  const top = EVENTS.execution + EVENTS.task * 2 /* validate, preflight */ + EVENTS.pass + EVENTS.choice;
  const maps = 5 * (EVENTS.map + shape.volumes * (EVENTS.iteration + EVENTS.task));
  const dataLoops = shape.dataPhaseChecks.reduce((sum, checks) => sum + loopEvents(checks), 0);
  const instance = EVENTS.task * 2 /* stop, start */ + loopEvents(shape.instanceChecks.stopped) + loopEvents(shape.instanceChecks.started);
  const swap = EVENTS.map + shape.volumes * (EVENTS.iteration + loopEvents(shape.swapChecksPerVolume) + EVENTS.pass);
  const tail = EVENTS.task /* verify */ + EVENTS.choice + EVENTS.task * 2 /* cleanup, report */ + EVENTS.pass /* Succeed */;
  return top + maps + dataLoops + instance + swap + tail;
}

/** Every budget exhausted but one poll: the most a run can write before PollBudgetExceededError rolls it back. */
export function worstCase(volumes: number, totalGiB: number): RunShape {
  const data = pollBudget(DATA_PROFILE, totalGiB);
  return {
    volumes,
    dataPhaseChecks: [data, data, data, data, data],
    instanceChecks: { stopped: pollBudget(STATE_PROFILE, 0), started: pollBudget(STATE_PROFILE, 0) },
    swapChecksPerVolume: pollBudget(SWAP_PROFILE, 0),
  };
}

export const MAX_VOLUMES = MAX_VOLUMES_PER_EXECUTION;
