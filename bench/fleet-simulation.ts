import { paginateDescribeInstances, paginateDescribeVolumes, type EC2Client } from '@aws-sdk/client-ec2';
import type { LocalExecution, RunOptions } from '../local/runner';
import { installClientHook } from '../tasks/lib/client-hooks';
import type { AccountSeeder } from '../local/seed';
import { handlerSdkAttempts, type ThrottleCount } from '../local/throttling';
import { TRANSIENT_ERRORS } from '../tasks/lib/errors';
import type { FleetInput } from '../tasks/fleet/lib/schema';
import type { FleetReport } from '../tasks/fleet/summarize-fleet';

/**
 * A fleet run of encrypt-volumes, simulated locally through the real fleet path: N instances × 2 unencrypted volumes
 * (root and data) seeded in moto and tagged for this run, one `fleet` execution (local/fleet.ts runFleetLocally:
 * ValidateInput → SelectTargets by that tag → items manifest in S3 → FleetMap, the Distributed Map emulation, at most
 * `concurrency` children at a time → SummarizeFleet), each child a real local execution of encrypt-volumes (its own
 * lock, re-checks and rollback), with throttling injected at a rate per action on every call of the fleet and its
 * children (local/throttling.ts; the fleet's faults reach its children's calls). What it measures: wall time, API
 * calls per item and per action, throttles absorbed (by the SDK's retries and by the state machine's Retry), and
 * items lost or failed to throttling (the target is 0).
 */
export interface FleetSimulationOptions {
  instances: number;
  concurrency: number;
  /** Throttled share of attempts per action ('*': every other action). Default 5% of every call. */
  rates?: Record<string, number>;
  seed?: number;
  /**
   * The fleet's ToleratedFailurePercentage. Default 100: every item runs, so that each failure is counted (with the
   * fleet's own default, 0, the first failure would stop the Map Run and leave the rest PENDING, counted lost).
   */
  toleratedFailurePercentage?: number;
  /** Progress (the bench prints it; the test says nothing). */
  onProgress?: (done: number, total: number) => void;
}

/** What a child run left: enough for the figures, not its whole history. */
export interface ChildResult {
  instanceId: string;
  status: LocalExecution['status'] | 'PENDING';
  outcome?: string;
  error?: string;
  cause?: string;
  /** State retries the run took (Step Functions' Retry, after the SDK's attempts were throttled). */
  retries: number;
}

export interface FleetFigures {
  instances: number;
  volumes: number;
  concurrency: number;
  rates: Record<string, number>;
  seed: number;
  /** Fleet runs side by side, each on a moto server of its own (bench/fleet-run.ts); 1 when not sharded. */
  shards: number;
  seedSeconds: number;
  wallSeconds: number;
  /** The fleet execution(s): status and the summary's counts (SummarizeFleet). */
  fleet: { status: string[]; counts: FleetReport['counts'] };
  outcomes: Record<string, number>;
  /** Children that did not remediate (failed, or never started), and among them those whose failure is a throttling error. */
  lost: ChildResult[];
  failedToThrottling: number;
  calls: { total: number; perItem: number; perAction: Record<string, number> };
  throttles: { throttled: number; toStateMachine: number; perAction: Record<string, ThrottleCount>; stateRetries: number };
  /** Milliseconds spent in each action's calls (emulation and moto, waiting included), summed over the fleet: where the local run's time goes. */
  callMs: Record<string, number>;
  /** The emulated account afterwards: instances still holding an unencrypted volume, and those not running. */
  endState: { unencryptedAttached: number; notRunning: number };
}

const THROTTLING = new Set<string>(TRANSIENT_ERRORS.filter((e) => /thrott|limit|toomany|slowdown/i.test(e)));
const isThrottling = (child: ChildResult) =>
  THROTTLING.has(child.error ?? '') || [...THROTTLING].some((name) => (child.cause ?? '').includes(name));

export type RunFleet = (input: Partial<FleetInput> & Pick<FleetInput, 'workflow' | 'selector'>, options: RunOptions) => Promise<LocalExecution>;

/** The tag the simulation's instances carry, and the fleet selects them by. */
export const FLEET_SIMULATION_TAG = 'fleet-simulation';

function resultOf(execution: LocalExecution): ChildResult {
  return {
    instanceId: (execution.input as { instanceId: string }).instanceId,
    status: execution.status,
    outcome: (execution.output as { outcome?: string } | undefined)?.outcome,
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
    retries: execution.events.filter((e) => e.type === 'StateRetried').length,
  };
}

/** Seeds the fleet: instances tagged for the run, each with an unencrypted gp2 root and an unencrypted gp3 data volume, a few at a time. */
async function seedFleet(seeder: AccountSeeder, instances: number, concurrency: number, runTag: string): Promise<string[]> {
  const ids: string[] = new Array(instances);
  let next = 0;
  const worker = async () => {
    while (next < instances) {
      const i = next++;
      const seeded = await seeder.createInstance({
        name: `fleet-${i}`, tags: [{ Key: FLEET_SIMULATION_TAG, Value: runTag }], dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }],
      });
      ids[i] = seeded.instanceId;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, instances) }, worker));
  return ids;
}

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** What the account says afterwards, read with raw (unhooked) clients: filtered by the fleet's instance ids, every page. */
async function endStateOf(ec2: EC2Client, instanceIds: string[]): Promise<FleetFigures['endState']> {
  let unencryptedAttached = 0;
  let notRunning = 0;
  for (const ids of chunks(instanceIds, 200)) {
    for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: [{ Name: 'attachment.instance-id', Values: ids }] })) {
      unencryptedAttached += (page.Volumes ?? []).filter((v) => !v.Encrypted).length;
    }
    for await (const page of paginateDescribeInstances({ client: ec2 }, { InstanceIds: ids })) {
      notRunning += (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'running').length;
    }
  }
  return { unencryptedAttached, notRunning };
}

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
};

const ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);

export async function simulateFleet(seeder: AccountSeeder, runFleet: RunFleet, options: FleetSimulationOptions): Promise<FleetFigures> {
  const rates = options.rates ?? { '*': 0.05 };
  const seed = options.seed ?? 1;
  const runTag = `run-${seed}-${Date.now()}`;
  const seedStarted = performance.now();
  const instanceIds = await seedFleet(seeder, options.instances, Math.max(4, Math.min(16, options.concurrency)), runTag);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const callMs: Record<string, number> = {};
  const removeTimer = installClientHook(async (call, next) => {
    const t = performance.now();
    try {
      return await next();
    } finally {
      const key = `${call.service}:${call.command}`;
      callMs[key] = (callMs[key] ?? 0) + performance.now() - t;
    }
  });
  let fleetName: string | undefined;
  let done = 0;
  const started = performance.now();
  const execution = await runFleet({
    workflow: 'encrypt-volumes',
    selector: { tags: [{ key: FLEET_SIMULATION_TAG, values: [runTag] }] },
    childInput: { allowStop: true },
    maxConcurrency: options.concurrency,
    toleratedFailurePercentage: options.toleratedFailurePercentage ?? 100,
  }, {
    // One throttler for the whole run: the fleet's faults see its children's calls, and count each action's calls across the fleet.
    faults: { throttle: { rates, seed, sdkAttempts: handlerSdkAttempts } },
    onEvent: (event) => {
      fleetName ??= event.execution;
      if (event.execution !== fleetName && ENDED.has(event.type)) options.onProgress?.(++done, instanceIds.length);
    },
  }).finally(removeTimer);
  const wallSeconds = (performance.now() - started) / 1000;
  if (execution.status !== 'SUCCEEDED' && !execution.events.some((e) => e.state === 'FleetMap')) {
    throw new Error(`the fleet run failed before its Map: ${execution.error} ${execution.cause}`);
  }
  const report = execution.output as FleetReport | undefined;

  const results = (execution.children ?? []).map(resultOf);
  const ran = new Set(results.map((r) => r.instanceId));
  const pending = instanceIds.filter((id) => !ran.has(id)).map((instanceId): ChildResult => ({ instanceId, status: 'PENDING', retries: 0 }));
  const outcomes: Record<string, number> = {};
  for (const child of [...results, ...pending]) {
    const key = child.status === 'SUCCEEDED' ? (child.outcome ?? 'SUCCEEDED') : `${child.status}${child.error ? ` (${child.error})` : ''}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  const perAction: Record<string, number> = {};
  for (const call of execution.faults.callLog) perAction[call] = (perAction[call] ?? 0) + 1;
  const throttlesPerAction = execution.faults.throttles;
  const lost = [...results.filter((r) => r.status !== 'SUCCEEDED' || r.outcome !== 'REMEDIATED'), ...pending];
  const total = execution.faults.callLog.length;
  const throttleTotals = Object.values(throttlesPerAction);
  return {
    instances: options.instances,
    volumes: options.instances * 2,
    concurrency: options.concurrency,
    rates,
    seed,
    shards: 1,
    seedSeconds,
    wallSeconds,
    fleet: {
      status: [execution.status === 'SUCCEEDED' ? execution.status : `${execution.status} (${execution.error})`],
      counts: report?.counts ?? { total: instanceIds.length, REMEDIATED: 0, NO_ACTION: 0, PLANNED: 0, FAILED: {}, PENDING: pending.length },
    },
    outcomes,
    lost,
    failedToThrottling: lost.filter(isThrottling).length,
    calls: { total, perItem: total / Math.max(1, options.instances), perAction },
    throttles: {
      throttled: throttleTotals.reduce((a, c) => a + c.throttled, 0),
      toStateMachine: throttleTotals.reduce((a, c) => a + c.toStateMachine, 0),
      perAction: throttlesPerAction,
      stateRetries: [execution, ...(execution.children ?? [])].reduce((a, r) => a + r.events.filter((e) => e.type === 'StateRetried').length, 0),
    },
    callMs,
    endState: await endStateOf(seeder.ec2, instanceIds),
  };
}

/** Fleet runs side by side (shards, each on its own moto server) as one fleet: counts summed, wall time the longest shard's. */
export function mergeFigures(shards: FleetFigures[]): FleetFigures {
  const [first] = shards;
  if (!first) throw new Error('no shard to merge');
  const sum = (pick: (f: FleetFigures) => number) => shards.reduce((a, f) => a + pick(f), 0);
  const sumRecords = (pick: (f: FleetFigures) => Record<string, number>) => shards.reduce<Record<string, number>>((into, f) => { add(into, pick(f)); return into; }, {});
  const throttles: Record<string, ThrottleCount> = {};
  for (const f of shards) {
    for (const [action, c] of Object.entries(f.throttles.perAction)) {
      const into = throttles[action] ?? { throttled: 0, toStateMachine: 0 };
      into.throttled += c.throttled;
      into.toStateMachine += c.toStateMachine;
      throttles[action] = into;
    }
  }
  const failed: Record<string, number> = {};
  for (const f of shards) add(failed, f.fleet.counts.FAILED);
  const instances = sum((f) => f.instances);
  const total = sum((f) => f.calls.total);
  return {
    instances,
    volumes: sum((f) => f.volumes),
    concurrency: sum((f) => f.concurrency),
    rates: first.rates,
    // The shards' seeds are seed × 1000 + shard (bench/fleet-run.ts): the first one's names the run.
    seed: first.seed,
    shards: sum((f) => f.shards),
    seedSeconds: Math.max(...shards.map((f) => f.seedSeconds)),
    wallSeconds: Math.max(...shards.map((f) => f.wallSeconds)),
    fleet: {
      status: shards.flatMap((f) => f.fleet.status),
      counts: {
        total: sum((f) => f.fleet.counts.total), REMEDIATED: sum((f) => f.fleet.counts.REMEDIATED), NO_ACTION: sum((f) => f.fleet.counts.NO_ACTION),
        PLANNED: sum((f) => f.fleet.counts.PLANNED), FAILED: failed, PENDING: sum((f) => f.fleet.counts.PENDING),
      },
    },
    outcomes: sumRecords((f) => f.outcomes),
    lost: shards.flatMap((f) => f.lost),
    failedToThrottling: sum((f) => f.failedToThrottling),
    calls: { total, perItem: total / Math.max(1, instances), perAction: sumRecords((f) => f.calls.perAction) },
    throttles: {
      throttled: sum((f) => f.throttles.throttled), toStateMachine: sum((f) => f.throttles.toStateMachine), perAction: throttles,
      stateRetries: sum((f) => f.throttles.stateRetries),
    },
    callMs: sumRecords((f) => f.callMs),
    endState: { unencryptedAttached: sum((f) => f.endState.unencryptedAttached), notRunning: sum((f) => f.endState.notRunning) },
  };
}

/** EC2's token-bucket refill per account and region as issue 12 cites them: mutating calls 5/s, Describe* 10/s (unfiltered; filtered ones refill faster). */
export const EC2_REFILL_PER_SECOND = { mutating: 5, describe: 10 };

const isEc2Read = (action: string) => /^ec2:(Describe|Get|List)/.test(action);
const isEc2Mutating = (action: string) => action.startsWith('ec2:') && !isEc2Read(action);

/**
 * A measured run scaled to a fleet of `instances`: what grows linearly with the items (calls, throttles), and the floor
 * EC2's refill rates put under the wall time on AWS. Not the local wall time: moto scans its whole account on each
 * filtered Describe*, so a local run grows faster than linearly with the fleet.
 */
export function extrapolate(f: FleetFigures, instances: number) {
  const perItem = (n: number) => (n / Math.max(1, f.instances)) * instances;
  const sum = (pick: (action: string) => boolean) => Object.entries(f.calls.perAction).filter(([a]) => pick(a)).reduce((a, [, n]) => a + n, 0);
  const mutating = perItem(sum(isEc2Mutating));
  const reads = perItem(sum(isEc2Read));
  return {
    instances,
    calls: perItem(f.calls.total),
    ec2Mutating: mutating,
    ec2Reads: reads,
    throttled: perItem(f.throttles.throttled),
    toStateMachine: perItem(f.throttles.toStateMachine),
    /** Seconds: the busier of EC2's two buckets, all items' calls at its refill rate. */
    refillFloorSeconds: Math.max(mutating / EC2_REFILL_PER_SECOND.mutating, reads / EC2_REFILL_PER_SECOND.describe),
  };
}

/** The figures as the bench prints them. */
export function fleetReport(f: FleetFigures): string {
  const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;
  const c = f.fleet.counts;
  const lines = [
    `Fleet simulation: ${f.instances} instances × 2 volumes (${f.volumes} volumes) of encrypt-volumes through the fleet workflow ` +
      `(${f.shards === 1 ? 'one fleet run' : `${f.shards} fleet runs side by side, each on its own moto server`}), ${f.concurrency} children at a time in all, ` +
      `throttling ${Object.entries(f.rates).map(([a, r]) => `${a} ${pct(r)}`).join(', ')} of attempts (seed ${f.seed})`,
    `  wall time: ${f.wallSeconds.toFixed(1)} s for the fleet run${f.shards === 1 ? '' : 's'} (${(f.wallSeconds / Math.max(1, f.instances)).toFixed(2)} s per item at this concurrency), seeding ${f.seedSeconds.toFixed(1)} s`,
    `  fleet: ${f.fleet.status.join(', ')}; summary counts: total ${c.total}, REMEDIATED ${c.REMEDIATED}, NO_ACTION ${c.NO_ACTION}, ` +
      `FAILED ${Object.values(c.FAILED).reduce((a, b) => a + b, 0)}${Object.keys(c.FAILED).length ? ` (${Object.entries(c.FAILED).map(([e, n]) => `${e} ${n}`).join(', ')})` : ''}, PENDING ${c.PENDING}`,
    `  outcomes: ${Object.entries(f.outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`,
    `  items lost: ${f.lost.length}, failed to throttling: ${f.failedToThrottling} (target 0)`,
    `  end state: ${f.endState.unencryptedAttached} unencrypted volumes still attached, ${f.endState.notRunning} instances not running`,
    `  API calls: ${f.calls.total} (${f.calls.perItem.toFixed(1)} per item, the fleet's own calls included)`,
    `  throttles injected: ${f.throttles.throttled} attempts; absorbed by the SDK's retries: ${f.throttles.throttled - f.throttles.toStateMachine}; ` +
      `reached the state machine (every SDK attempt throttled, or a create sent once): ${f.throttles.toStateMachine}, absorbed by ${f.throttles.stateRetries} state retries`,
    '  per action (calls per item, throttled attempts, to the state machine, ms per call locally, waiting for moto included):',
    ...Object.entries(f.calls.perAction).sort(([, a], [, b]) => b - a).map(([action, n]) => {
      const t = f.throttles.perAction[action];
      const ms = (f.callMs[action] ?? 0) / n;
      return `    ${action.padEnd(40)} ${(n / Math.max(1, f.instances)).toFixed(2).padStart(7)} ${String(t?.throttled ?? 0).padStart(7)} ${String(t?.toStateMachine ?? 0).padStart(6)} ${ms.toFixed(0).padStart(6)}`;
    }),
  ];
  if (f.instances < 1000) {
    const x = extrapolate(f, 1000);
    lines.push(
      `  extrapolated to 1,000 instances × 2 volumes (per-item figures of this run × 1,000; not measured): ${Math.round(x.calls)} API calls ` +
        `(${Math.round(x.ec2Mutating)} EC2 mutating, ${Math.round(x.ec2Reads)} EC2 Describe*), ${Math.round(x.throttled)} throttled attempts, ` +
        `${Math.round(x.toStateMachine)} to the state machine; EC2's refill (${EC2_REFILL_PER_SECOND.mutating}/s mutating, ${EC2_REFILL_PER_SECOND.describe}/s Describe*) ` +
        `puts at least ${(x.refillFloorSeconds / 60).toFixed(0)} min under the run on AWS`,
    );
  } else {
    const x = extrapolate(f, f.instances);
    lines.push(
      `  on AWS: ${Math.round(x.ec2Mutating)} EC2 mutating calls and ${Math.round(x.ec2Reads)} EC2 Describe*; EC2's refill (${EC2_REFILL_PER_SECOND.mutating}/s mutating, ` +
        `${EC2_REFILL_PER_SECOND.describe}/s Describe*) puts at least ${(x.refillFloorSeconds / 60).toFixed(0)} min under this run there (locally nothing refills)`,
    );
  }
  for (const child of f.lost.slice(0, 10)) lines.push(`  lost: ${child.instanceId} ${child.status} ${child.outcome ?? ''} ${child.error ?? ''} ${child.cause ?? ''}`.slice(0, 300));
  return lines.join('\n');
}
