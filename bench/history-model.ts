import type { LocalWorkflow } from '../local/definition';
import { CLEANUP_PROFILE, DATA_PROFILE, SETTLE_PROFILE, STATE_PROFILE, SWAP_PROFILE, advancePoll, pollBudget, type PollProfile } from '../tasks/lib/polling';
import type { PollState } from '../tasks/lib/types';
import { INITIALIZATION_PROFILE } from '../tasks/ebs/lib/volume-copy';

/**
 * How many history events a run writes, counted on the synthesized definition itself: the poll loops
 * (Wait -> check -> route -> Wait) are found in it, and a run is walked through it state by state, routed
 * by the definition's own Choice rules. Nothing here restates the definition's shape, so the model
 * cannot drift from it.
 */

/** Events Step Functions writes per state: a Lambda task 5, Wait/Choice/Pass/Succeed/Fail 2, a Map 4 plus 2 per iteration. */
// Parallel: ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded, ParallelStateExited (one branch).
export const EVENTS = { Task: 5, Wait: 2, Choice: 2, Pass: 2, Succeed: 2, Fail: 2, Map: 4, iteration: 2, Parallel: 4, execution: 2 } as const;
export const HISTORY_LIMIT = 25_000;

/**
 * The profile each poll-checking handler advances its loop with (see its advancePoll calls), and whether
 * the budget grows with the GiB of the volumes being copied. The definition names the handler; it does not
 * state the budget, which lives in the handler.
 */
export const CHECK_PROFILES: Record<string, { profile: PollProfile; perGiB: boolean }> = {
  'tasks/ebs/check-snapshots.ts': { profile: DATA_PROFILE, perGiB: true },
  'tasks/ebs/check-volumes.ts': { profile: DATA_PROFILE, perGiB: true },
  'tasks/instance/check-instance-state.ts': { profile: STATE_PROFILE, perGiB: false },
  'tasks/instance/check-instance-settled.ts': { profile: SETTLE_PROFILE, perGiB: false },
  'tasks/ebs/swap-volume.ts': { profile: SWAP_PROFILE, perGiB: false },
  'tasks/ebs/rollback-volume.ts': { profile: SWAP_PROFILE, perGiB: false },
  'tasks/ebs/cleanup-created.ts': { profile: CLEANUP_PROFILE, perGiB: false },
  // The handler sizes its budget from the largest copy; the model's total GiB can only overstate it.
  'tasks/ebs/volume-initialization.ts': { profile: INITIALIZATION_PROFILE, perGiB: true },
};

interface ChoiceRule {
  Next?: string;
  Variable?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  [comparison: string]: unknown;
}
interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: ChoiceRule[];
  SecondsPath?: string;
  Seconds?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, AslState> };
  Iterator?: { StartAt: string; States: Record<string, AslState> };
  Branches?: { StartAt: string; States: Record<string, AslState> }[];
}
type States = Record<string, AslState>;

export interface PollLoop {
  /** The loop's Wait state; the loop is wait -> check -> route, and route goes back to wait while pending. */
  wait: string;
  check: string;
  route: string;
  /** The Map whose every iteration runs the loop (undefined at the top level). */
  map?: string;
  /** Where the wait reads its seconds: the intervals adapt (no fixed Seconds). */
  secondsPath?: string;
  /** The Choice variable holding the poll status (`pending` loops again). */
  statusVariable: string;
  /** The check's handler file, as the template binds it. */
  handler: string;
  /** History events of one more round: the states of the loop, by type. */
  eventsPerRound: number;
}

const processorOf = (state: AslState) => state.ItemProcessor ?? state.Iterator;

/** Every Wait state in the definition, with the Map it runs in. */
export function waitStatesOf(workflow: LocalWorkflow): { wait: string; map?: string }[] {
  const found: { wait: string; map?: string }[] = [];
  const walk = (states: States, map?: string) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Wait') found.push({ wait: name, ...(map ? { map } : {}) });
      const processor = processorOf(state);
      if (processor) walk(processor.States, name);
      // A Parallel branch runs once: its loops are in the same scope as the Parallel.
      for (const branch of state.Branches ?? []) walk(branch.States, map);
    }
  };
  walk(workflow.definition.States as States);
  return found;
}

/** The poll loops of a workflow, found in its definition: each Wait whose Next checks and routes back to it. */
export function pollLoopsOf(workflow: LocalWorkflow): PollLoop[] {
  const loops: PollLoop[] = [];
  const walk = (states: States, map?: string) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = processorOf(state);
      if (processor) walk(processor.States, name);
      for (const branch of state.Branches ?? []) walk(branch.States, map);
      if (state.Type !== 'Wait' || !state.Next) continue;
      const check = states[state.Next];
      const route = check?.Next ? states[check.Next] : undefined;
      const back = route?.Type === 'Choice' ? route.Choices?.find((rule) => rule.Next === name) : undefined;
      if (check?.Type !== 'Task' || !route || !check.Next || !back?.Variable) continue;
      const handler = workflow.handlers[state.Next];
      if (!handler) throw new Error(`poll check ${state.Next} is bound to no handler`);
      loops.push({
        wait: name, check: state.Next, route: check.Next, ...(map ? { map } : {}),
        ...(state.SecondsPath ? { secondsPath: state.SecondsPath } : {}),
        statusVariable: back.Variable, handler,
        eventsPerRound: EVENTS.Wait + EVENTS.Task + EVENTS.Choice,
      });
    }
  };
  walk(workflow.definition.States as States);
  return loops;
}

/** The most checks a loop makes before its handler throws PollBudgetExceededError, for `totalGiB` of volumes. */
export function budgetOf(loop: PollLoop, totalGiB: number): number {
  const known = CHECK_PROFILES[loop.handler];
  if (!known) throw new Error(`${loop.check} (${loop.handler}) polls with a profile the model does not know`);
  return pollBudget(known.profile, known.perGiB ? totalGiB : 0);
}

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

/** History events of one poll loop making `checks` checks: the first check has no Wait before it. */
export const loopEvents = (loop: Pick<PollLoop, 'eventsPerRound'>, checks: number): number =>
  checks * (loop.eventsPerRound - EVENTS.Wait) + (checks - 1) * EVENTS.Wait;

export interface RunScenario {
  /** Items of every Map (the volumes swapped). */
  volumes: number;
  /** What the run's data says where a Choice asks (e.g. `$.request.strategy`: `copy`); a poll status is set by the walk. */
  facts: Record<string, string | boolean | number>;
  /** Checks each loop makes (per Map iteration for a loop inside a Map). */
  checks: (loop: PollLoop) => number;
}

export interface RunCount {
  events: number;
  /** States the run enters, in order, each once (a Map's iteration states once, after the Map). */
  path: string[];
  /** The poll loops the run goes through, in order, with their checks. */
  loops: { loop: PollLoop; checks: number }[];
  /** The terminal state the run ends in. */
  end: string;
}

function matches(rule: ChoiceRule, facts: RunScenario['facts']): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, facts));
  if (rule.Or) return rule.Or.some((r) => matches(r, facts));
  if (rule.Not) return !matches(rule.Not, facts);
  const value = rule.Variable === undefined ? undefined : facts[rule.Variable];
  for (const [comparison, expected] of Object.entries(rule)) {
    if (comparison === 'Variable' || comparison === 'Next') continue;
    switch (comparison) {
      case 'StringEquals': case 'BooleanEquals': case 'NumericEquals': return value === expected;
      case 'IsPresent': return (value !== undefined) === expected;
      default: throw new Error(`the history model cannot evaluate Choice comparison ${comparison}`);
    }
  }
  throw new Error(`Choice rule without a comparison: ${JSON.stringify(rule)}`);
}

const choose = (state: AslState, facts: RunScenario['facts']): string | undefined =>
  state.Choices?.find((rule) => matches(rule, facts))?.Next ?? state.Default;

/** Walks one run through the definition, state by state, and counts the history events it writes. */
export function countRun(workflow: LocalWorkflow, scenario: RunScenario): RunCount {
  const loops = pollLoopsOf(workflow);
  const result: RunCount = { events: EVENTS.execution, path: [], loops: [], end: '' };
  const walk = (states: States, start: string, map?: string): { events: number; end: string } => {
    let events = 0;
    const seen = new Set<string>();
    for (let name: string | undefined = start; name !== undefined;) {
      const state: AslState | undefined = states[name];
      if (!state) throw new Error(`the run reaches ${name}, which is no state${map ? ` of ${map}` : ''}`);
      if (seen.has(name)) throw new Error(`the run comes back to ${name} outside a poll loop`);
      seen.add(name);
      const current: string = name;
      const loop = loops.find((l) => l.check === current && l.map === map);
      if (loop) {
        const checks = scenario.checks(loop);
        events += loopEvents(loop, checks);
        result.loops.push({ loop, checks });
        result.path.push(loop.check, loop.route);
        seen.add(loop.route);
        name = choose(states[loop.route] as AslState, { ...scenario.facts, [loop.statusVariable]: 'completed' });
        continue;
      }
      result.path.push(name);
      if (state.Type === 'Map') {
        const processor = processorOf(state);
        if (!processor) throw new Error(`Map ${name} has no ItemProcessor`);
        const iteration = walk(processor.States, processor.StartAt, name);
        events += EVENTS.Map + scenario.volumes * (EVENTS.iteration + iteration.events);
      } else if (state.Type === 'Parallel') {
        // The kit's lock wraps the remediation in one branch (workflows/lib/skeleton.ts).
        for (const branch of state.Branches ?? []) events += walk(branch.States, branch.StartAt, map).events;
        events += EVENTS.Parallel;
      } else {
        const perState = EVENTS[state.Type as keyof typeof EVENTS];
        if (perState === undefined) throw new Error(`the history model does not know state type ${state.Type} (${name})`);
        events += perState;
      }
      if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End) return { events, end: name };
      name = state.Type === 'Choice' ? choose(state, scenario.facts) : state.Next;
    }
    throw new Error(`the run stops in ${start}'s scope without reaching an end`);
  };
  const top = walk(workflow.definition.States as States, workflow.definition.StartAt as string);
  result.events += top.events;
  result.end = top.end;
  return result;
}

/** Every loop run to its budget: the most a run can write before PollBudgetExceededError rolls it back. */
export const worstCaseChecks = (totalGiB: number) => (loop: PollLoop): number => budgetOf(loop, totalGiB);

/** What a copy-strategy run of a running instance, not waiting for approval, has where the definition's Choices ask. */
export const COPY_RUN_OF_RUNNING_INSTANCE: RunScenario['facts'] = {
  '$.plan.outcome': 'PROCEED',
  '$.plan.needsStop': true,
  '$.request.strategy': 'copy',
  '$.plan.instance.wasRunning': true,
};

/** The same run with the volume-copy strategy, the report's first read finding a copy still initializing. */
export const VOLUME_COPY_RUN_OF_RUNNING_INSTANCE: RunScenario['facts'] = {
  ...COPY_RUN_OF_RUNNING_INSTANCE,
  '$.request.strategy': 'volume-copy',
  '$.initialization.status': 'initializing',
};
