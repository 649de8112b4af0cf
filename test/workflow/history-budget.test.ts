import { synthesizeWorkflows } from '../../local/definition';
import { CLEANUP_PROFILE, DATA_PROFILE, EVENTS_PER_POLL, MAX_VOLUMES_PER_EXECUTION, SETTLE_PROFILE, STATE_PROFILE, SWAP_PROFILE, pollBudget } from '../../tasks/lib/polling';
import { States } from '../../workflows/encrypt-volumes';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { INITIALIZATION_PROFILE } from '../../tasks/ebs/lib/volume-copy';
import {
  CHECK_PROFILES, COPY_RUN_OF_RUNNING_INSTANCE, HISTORY_LIMIT, VOLUME_COPY_RUN_OF_RUNNING_INSTANCE, budgetOf, checksFor, countRun, loopEvents, pollLoopsOf, waitStatesOf, worstCaseChecks,
  type PollLoop,
} from '../../bench/history-model';
import { expectEach } from './harness';

const TIB16 = 16 * 1024;
const HOUR = 3600;
// The synthesized definition (from the global setup's synth): the model reads its loops and routes from it.
const workflow = synthesizeWorkflows().workflows['encrypt-volumes'];
if (!workflow) throw new Error('encrypt-volumes was not synthesized');
const isDataLoop = (loop: PollLoop) => CHECK_PROFILES[loop.handler]?.profile === DATA_PROFILE;

describe('the poll loops, as the synthesized definition has them', () => {
  const loops = pollLoopsOf(workflow);

  it('every Wait state is the wait of a poll loop, and only the swap and its rollback poll inside a Map', () => {
    expect(loops.map((l) => ({ wait: l.wait, map: l.map })).sort((a, b) => a.wait.localeCompare(b.wait)))
      .toEqual(waitStatesOf(workflow).map((w) => ({ wait: w.wait, map: w.map })).sort((a, b) => a.wait.localeCompare(b.wait)));
    expect(loops.filter((l) => l.map).map((l) => [l.map, l.wait]).sort()).toEqual([
      [States.rollbackVolumes, States.waitRollbackVolume],
      [States.swapVolumes, States.waitSwap],
    ]);
  });

  it('each waits an adaptive interval, adds the events polling.ts counts per round, and has a budget the model knows', () => {
    expectEach(loops, (l) => l.secondsPath !== undefined && l.eventsPerRound === EVENTS_PER_POLL);
    for (const loop of loops) expect(budgetOf(loop, TIB16)).toBeGreaterThan(0);
  });

  it('a copy run of a running instance waits for it to settle, polls pre-copy, stop, final, volumes, swap, start and the cleanup\'s settle loop, in that order, and succeeds', () => {
    const run = countRun(workflow, { volumes: 1, facts: COPY_RUN_OF_RUNNING_INSTANCE, checks: () => 1 });

    expect(run.loops.map((l) => l.loop.wait)).toEqual([
      States.waitInstanceSettled, States.waitPreCopySnapshots, States.waitPreCopyEncrypt, States.waitInstanceStopped, States.waitFinalSnapshots,
      States.waitFinalEncrypt, States.waitVolumes, States.waitSwap, States.waitInstanceStarted, States.waitCleanupCreated,
    ]);
    expect(run.end).toBe(States.done);
    expect(run.path).not.toContain(States.rollbackVolumes);
  });
});

describe("one execution's history stays inside Step Functions' 25,000-event limit", () => {
  it('a 16 TiB volume with realistic (slow) AWS timings needs a few hundred events', () => {
    // GIVEN a first full snapshot and encrypted copy of 16 TiB at ~100 MiB/s (48 h each), a 1%-changed final
    // snapshot (1 h), its encrypted copy (4 h) and volume creation (5 min), polled with the adaptive intervals;
    // a stop of 2 minutes, a start of 1, and 3 checks per volume swap
    const dataSeconds: Record<string, number> = {
      [States.waitPreCopySnapshots]: 48 * HOUR, [States.waitPreCopyEncrypt]: 48 * HOUR,
      [States.waitFinalSnapshots]: 1 * HOUR, [States.waitFinalEncrypt]: 4 * HOUR, [States.waitVolumes]: 300,
    };
    const stateSeconds: Record<string, number> = { [States.waitInstanceStopped]: 120, [States.waitInstanceStarted]: 60 };
    const checks = (loop: PollLoop): number => {
      if (loop.wait in dataSeconds) return checksFor(DATA_PROFILE, TIB16, dataSeconds[loop.wait] as number);
      if (loop.wait in stateSeconds) return checksFor(STATE_PROFILE, 0, stateSeconds[loop.wait] as number, false);
      if (loop.wait === States.waitSwap) return 3;
      // Triage started it a moment ago: pending for about 20 s.
      if (loop.wait === States.waitInstanceSettled) return checksFor(SETTLE_PROFILE, 0, 20, false);
      // the cleanup acts on its first find and is done when the second agrees
      if (loop.wait === States.waitCleanupCreated) return 2;
      throw new Error(`no timing for ${loop.wait}`);
    };

    // WHEN the whole run is counted state by state through the definition
    const run = countRun(workflow, { volumes: 1, facts: COPY_RUN_OF_RUNNING_INSTANCE, checks });

    // THEN each data phase stays inside its budget and the run uses about a tenth of the history limit
    // (2,504 events with the settle wait before preflight and the cleanup's settle loop)
    const dataPhases = run.loops.filter((l) => isDataLoop(l.loop));
    expect(dataPhases.map((l) => l.loop.wait)).toEqual(Object.keys(dataSeconds));
    expectEach(dataPhases, (l) => l.checks < budgetOf(l.loop, TIB16));
    expect(dataPhases[0]?.checks).toBeLessThan(110); // 48 h / 30-minute cap, plus the ramp
    expect(run.events).toBeLessThan(HISTORY_LIMIT * 0.11);
  });

  it('without progress figures the intervals double up to the cap instead', () => {
    // checks at 0, 15, 45, 105, 225, 465 and 945 s for 10 minutes of work
    expect(checksFor(DATA_PROFILE, 8, 10 * 60, false)).toBe(7);
    expect(checksFor(DATA_PROFILE, TIB16, 48 * HOUR, false)).toBeLessThan(pollBudget(DATA_PROFILE, TIB16));
  });

  it('the worst case, every budget exhausted on the largest instance we accept, still fits with room to spare', () => {
    // GIVEN the most volumes one execution takes, each 16 TiB, and every poll loop run to the end of its budget
    const totalGiB = MAX_VOLUMES_PER_EXECUTION * TIB16;

    // WHEN
    const run = countRun(workflow, { volumes: MAX_VOLUMES_PER_EXECUTION, facts: COPY_RUN_OF_RUNNING_INSTANCE, checks: worstCaseChecks(totalGiB) });

    // THEN (200 data polls x 5 phases, 30 instance polls x 2, 20 swap polls x 40 volumes, 20 cleanup rounds, plus every state once)
    expect(run.loops.filter((l) => isDataLoop(l.loop)).map((l) => l.checks)).toEqual([200, 200, 200, 200, 200]);
    expect(run.loops.filter((l) => l.loop.wait === States.waitSwap).map((l) => l.checks)).toEqual([pollBudget(SWAP_PROFILE, 0)]);
    expect(run.loops.filter((l) => CHECK_PROFILES[l.loop.handler]?.profile === STATE_PROFILE).map((l) => l.checks)).toEqual([30, 30]);
    expect(run.loops.filter((l) => l.loop.wait === States.waitInstanceSettled).map((l) => l.checks)).toEqual([pollBudget(SETTLE_PROFILE, 0)]);
    expect(run.loops.filter((l) => l.loop.wait === States.waitCleanupCreated).map((l) => l.checks)).toEqual([pollBudget(CLEANUP_PROFILE, 0)]);
    expect(loopEvents({ eventsPerRound: EVENTS_PER_POLL }, 200)).toBe(200 * 7 + 199 * 2);
    expect(run.end).toBe(States.done);
    expect(run.events).toBeLessThan(HISTORY_LIMIT * 0.8);
  });

  it('volume-copy: a 16 TiB copy initializing for 47 h is followed after the lock is released in under 60 reads, under 1,000 events in all', () => {
    // GIVEN the copy available in 5 minutes, a stop of 2 and a start of 1, and initialization at 100 MiB/s (47 h) with progress figures
    const checks = (loop: PollLoop): number => {
      if (loop.wait === States.waitVolumeInitialization) return checksFor(INITIALIZATION_PROFILE, TIB16, 47 * HOUR);
      if (loop.wait === States.waitVolumes) return checksFor(DATA_PROFILE, 0, 300);
      if (loop.wait === States.waitInstanceStopped) return checksFor(STATE_PROFILE, 0, 120, false);
      if (loop.wait === States.waitInstanceStarted) return checksFor(STATE_PROFILE, 0, 60, false);
      return loop.wait === States.waitSwap ? 3 : 2;
    };

    // WHEN
    const run = countRun(workflow, { volumes: 1, facts: VOLUME_COPY_RUN_OF_RUNNING_INSTANCE, checks });

    // THEN no snapshot loop, the follow-up last, after the lock is released; the whole run far inside the limit
    expect(run.loops.map((l) => l.loop.wait)).toEqual([
      States.waitInstanceSettled, States.waitInstanceStopped, States.waitVolumes, States.waitSwap, States.waitInstanceStarted, States.waitCleanupCreated,
      States.waitVolumeInitialization,
    ]);
    expect(run.path.indexOf(SkeletonStates.releaseLock)).toBeLessThan(run.path.indexOf(States.checkVolumeInitialization));
    expect(run.path.indexOf(States.checkInstanceStarted)).toBeLessThan(run.path.indexOf(SkeletonStates.releaseLock));
    const follow = run.loops.find((l) => l.loop.wait === States.waitVolumeInitialization);
    expect(follow?.checks).toBeLessThan(60);
    expect(follow?.checks).toBeLessThan(pollBudget(INITIALIZATION_PROFILE, TIB16));
    expect(run.end).toBe(States.done);
    expect(run.events).toBeLessThan(HISTORY_LIMIT * 0.04);
  });

  it('volume-copy, the worst case: every budget exhausted on 40 x 16 TiB, the follow-up\'s 150 reads included, still fits', () => {
    const run = countRun(workflow, {
      volumes: MAX_VOLUMES_PER_EXECUTION, facts: VOLUME_COPY_RUN_OF_RUNNING_INSTANCE, checks: worstCaseChecks(MAX_VOLUMES_PER_EXECUTION * TIB16),
    });

    expect(run.loops.filter((l) => l.loop.wait === States.waitVolumeInitialization).map((l) => l.checks)).toEqual([INITIALIZATION_PROFILE.maxPolls]);
    expect(run.end).toBe(States.done);
    expect(run.events).toBeLessThan(HISTORY_LIMIT * 0.5);
  });

  // 341 since the copy strategy compares blocks in two Maps of its own (before the stop, and the changed blocks after).
  it('a typical 2-volume run on a responsive account writes under 350 events', () => {
    const checks = (loop: PollLoop) => (loop.wait === States.waitSwap ? 3 : 1);

    const run = countRun(workflow, { volumes: 2, facts: COPY_RUN_OF_RUNNING_INSTANCE, checks });

    expect(run.end).toBe(States.done);
    expect(run.events).toBeLessThan(350);
  });
});
