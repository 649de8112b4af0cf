import { PollBudgetExceededError } from '../../../tasks/lib/errors';
import { DATA_PROFILE, STATE_PROFILE, advancePoll, nextWaitSeconds, parsePercent, pollBudget } from '../../../tasks/lib/polling';
import type { PollState } from '../../../tasks/lib/types';
import { NOW, pollState } from '../fixtures';

const secondsAfter = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);

describe('pollBudget', () => {
  it('grants data work one extra poll per 128 GiB on top of the base, up to the cap', () => {
    // Act / Assess
    expect(pollBudget(DATA_PROFILE, 0)).toBe(12);
    expect(pollBudget(DATA_PROFILE, 128)).toBe(13);
    expect(pollBudget(DATA_PROFILE, 129)).toBe(14);
    expect(pollBudget(DATA_PROFILE, 64 * 1024)).toBe(200);
  });

  it('gives state changes a fixed budget whatever the size', () => {
    // Act / Assess
    expect(pollBudget(STATE_PROFILE, 0)).toBe(30);
    expect(pollBudget(STATE_PROFILE, 16 * 1024)).toBe(30);
  });
});

describe('nextWaitSeconds', () => {
  it('doubles from the minimum while there is no progress figure, up to the maximum', () => {
    // Act
    const waits = [0, 1, 2, 3, 10].map((count) => nextWaitSeconds(DATA_PROFILE, count, 100));

    // Assess
    expect(waits).toEqual([15, 30, 60, 120, 1800]);
  });

  it('waits half the remaining time estimated from progress', () => {
    // Act: 40% done after 600 s leaves an estimated 900 s.
    const wait = nextWaitSeconds(DATA_PROFILE, 5, 600, 40);

    // Assess
    expect(wait).toBe(450);
  });

  it('clamps the progress estimate to the profile bounds', () => {
    // Act / Assess
    expect(nextWaitSeconds(DATA_PROFILE, 0, 60, 99)).toBe(15);
    expect(nextWaitSeconds(DATA_PROFILE, 0, 3600, 1)).toBe(1800);
  });

  it('falls back to doubling when progress is 0, 100 or no time has passed', () => {
    // Act / Assess
    expect(nextWaitSeconds(STATE_PROFILE, 2, 600, 0)).toBe(20);
    expect(nextWaitSeconds(STATE_PROFILE, 2, 600, 100)).toBe(20);
    expect(nextWaitSeconds(STATE_PROFILE, 2, 0, 50)).toBe(20);
  });
});

describe('advancePoll', () => {
  it('starts a new poll with the budget for the work size', () => {
    // Act
    const state = advancePoll(undefined, { status: 'pending' }, DATA_PROFILE, 256, 'snapshots', NOW);

    // Assess
    expect(state).toEqual({ status: 'pending', count: 1, startedAt: NOW.toISOString(), maxPolls: 14, waitSeconds: 15 });
  });

  it('treats the empty poll object the state machine starts with as a first poll', () => {
    // Prepare: InitWork and the Map item selectors pass `poll: {}`.
    const empty = {} as PollState;

    // Act
    const state = advancePoll(empty, { status: 'pending' }, STATE_PROFILE, 0, 'swap', NOW);

    // Assess
    expect(state).toEqual({ status: 'pending', count: 1, startedAt: NOW.toISOString(), maxPolls: 30, waitSeconds: 5 });
  });

  it('keeps the start time and budget of the previous poll and records progress', () => {
    // Prepare
    const previous = pollState({ count: 3, maxPolls: 20 });

    // Act
    const state = advancePoll(previous, { status: 'pending', progress: 50 }, DATA_PROFILE, 0, 'snapshots', secondsAfter(NOW, 400));

    // Assess: 50% after 400 s -> 400 s left -> wait 200 s.
    expect(state).toEqual({ status: 'pending', count: 4, startedAt: NOW.toISOString(), maxPolls: 20, waitSeconds: 200, progress: 50 });
  });

  it('throws PollBudgetExceededError when the last poll of the budget is still pending', () => {
    // Prepare
    const previous = pollState({ count: 11, maxPolls: 12 });

    // Act
    const act = () => advancePoll(previous, { status: 'pending' }, DATA_PROFILE, 0, 'snapshots (preSnapshotId)', NOW);

    // Assess
    expect(act).toThrow(PollBudgetExceededError);
    expect(act).toThrow(expect.objectContaining({
      name: 'PollBudgetExceededError',
      message: 'snapshots (preSnapshotId) still pending after 12 polls (budget 12)',
    }));
  });

  it('accepts completion or an error on the last poll of the budget', () => {
    // Prepare
    const previous = pollState({ count: 11, maxPolls: 12 });
    const error = { Error: 'SnapshotFailed', Cause: 'snapshot snap-1 failed' };

    // Act
    const completed = advancePoll(previous, { status: 'completed' }, DATA_PROFILE, 0, 'x', NOW);
    const failed = advancePoll(previous, { status: 'error', error }, DATA_PROFILE, 0, 'x', NOW);

    // Assess
    expect(completed).toMatchObject({ status: 'completed', count: 12 });
    expect(failed).toMatchObject({ status: 'error', count: 12, error });
  });
});

describe('parsePercent', () => {
  it('reads the percentages EC2 reports', () => {
    // Act / Assess
    expect(parsePercent('42%')).toBe(42);
    expect(parsePercent('7.5%')).toBe(7.5);
    expect(parsePercent('100')).toBe(100);
  });

  it('returns undefined for missing or unreadable values', () => {
    // Act / Assess
    expect(parsePercent(undefined)).toBeUndefined();
    expect(parsePercent('')).toBeUndefined();
    expect(parsePercent('n/a')).toBeUndefined();
  });
});
