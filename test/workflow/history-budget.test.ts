import { DATA_PROFILE, MAX_VOLUMES_PER_EXECUTION, STATE_PROFILE, SWAP_PROFILE, pollBudget } from '../../tasks/lib/polling';
import { HISTORY_LIMIT, checksFor, historyEvents, loopEvents, worstCase } from '../../bench/history-model';

const TIB16 = 16 * 1024;
const HOUR = 3600;

describe("one execution's history stays inside Step Functions' 25,000-event limit", () => {
  it('a 16 TiB volume with realistic (slow) AWS timings needs a few hundred events', () => {
    // GIVEN a first full snapshot and encrypted copy of 16 TiB at ~100 MiB/s (48 h each), a 1%-changed final
    // snapshot (1 h), its encrypted copy (4 h) and volume creation (5 min), polled with the adaptive intervals
    const phases = [48 * HOUR, 48 * HOUR, 1 * HOUR, 4 * HOUR, 300].map((s) => checksFor(DATA_PROFILE, TIB16, s));

    // WHEN the whole run is counted state by state
    const events = historyEvents({
      volumes: 1,
      dataPhaseChecks: phases as [number, number, number, number, number],
      instanceChecks: { stopped: checksFor(STATE_PROFILE, 0, 120, false), started: checksFor(STATE_PROFILE, 0, 60, false) },
      swapChecksPerVolume: 3,
    });

    // THEN each phase stays inside its budget and the run uses under 10% of the history limit
    expect(phases.every((checks) => checks < pollBudget(DATA_PROFILE, TIB16))).toBe(true);
    expect(phases[0]).toBeLessThan(110); // 48 h / 30-minute cap, plus the ramp
    expect(events).toBeLessThan(HISTORY_LIMIT * 0.1);
  });

  it('without progress figures the intervals double up to the cap instead', () => {
    // checks at 0, 15, 45, 105, 225, 465 and 945 s for 10 minutes of work
    expect(checksFor(DATA_PROFILE, 8, 10 * 60, false)).toBe(7);
    expect(checksFor(DATA_PROFILE, TIB16, 48 * HOUR, false)).toBeLessThan(pollBudget(DATA_PROFILE, TIB16));
  });

  it('the worst case, every budget exhausted on the largest instance we accept, still fits with room to spare', () => {
    // GIVEN the most volumes one execution takes, each 16 TiB, and every poll loop run to the end of its budget
    const shape = worstCase(MAX_VOLUMES_PER_EXECUTION, MAX_VOLUMES_PER_EXECUTION * TIB16);

    // WHEN
    const events = historyEvents(shape);

    // THEN (200 data polls x 5 phases, 30 instance polls x 2, 20 swap polls x 40 volumes, plus every state once)
    expect(shape.dataPhaseChecks).toEqual([200, 200, 200, 200, 200]);
    expect(shape.swapChecksPerVolume).toBe(pollBudget(SWAP_PROFILE, 0));
    expect(loopEvents(200)).toBe(200 * 7 + 199 * 2);
    expect(events).toBeLessThan(HISTORY_LIMIT * 0.8);
  });

  it('a typical 2-volume run on a responsive account writes under 300 events', () => {
    const events = historyEvents({ volumes: 2, dataPhaseChecks: [1, 1, 1, 1, 1], instanceChecks: { stopped: 1, started: 1 }, swapChecksPerVolume: 3 });
    expect(events).toBeLessThan(300);
  });
});
