import { paginateDescribeInstances, paginateDescribeVolumes, type EC2Client } from '@aws-sdk/client-ec2';
import type { LocalExecution, RunOptions } from '../local/runner';
import { installClientHook } from '../tasks/lib/client-hooks';
import type { AccountSeeder } from '../local/seed';
import { handlerSdkAttempts, type ThrottleCount } from '../local/throttling';
import { TRANSIENT_ERRORS } from '../tasks/lib/errors';

/**
 * A fleet run of encrypt-volumes, simulated locally: N instances × 2 unencrypted volumes (root and data) seeded in
 * moto, one child execution of the real state machine per instance (its own lock, re-checks and rollback), run
 * through the local runner at most `concurrency` at a time, with throttling injected at a rate per action
 * (local/throttling.ts). What it measures: wall time, API calls per item and per action, throttles absorbed
 * (by the SDK's retries and by the state machine's Retry), and items lost or failed to throttling (the target is 0).
 */
export interface FleetSimulationOptions {
  instances: number;
  concurrency: number;
  /** Throttled share of attempts per action ('*': every other action). Default 5% of every call. */
  rates?: Record<string, number>;
  seed?: number;
  /** Progress (the bench prints it; the test says nothing). */
  onProgress?: (done: number, total: number) => void;
}

/** What a child run left: enough for the figures, not its whole history (a thousand of those would fill the heap). */
export interface ChildResult {
  instanceId: string;
  status: LocalExecution['status'];
  outcome?: string;
  error?: string;
  cause?: string;
  calls: Record<string, number>;
  throttles: Record<string, ThrottleCount>;
  /** State retries the run took (Step Functions' Retry, after the SDK's attempts were throttled). */
  retries: number;
}

export interface FleetFigures {
  instances: number;
  volumes: number;
  concurrency: number;
  rates: Record<string, number>;
  seed: number;
  seedSeconds: number;
  wallSeconds: number;
  outcomes: Record<string, number>;
  /** Children that did not succeed, and among them those whose failure is a throttling error. */
  lost: ChildResult[];
  failedToThrottling: number;
  calls: { total: number; perItem: number; perAction: Record<string, number> };
  throttles: { throttled: number; toStateMachine: number; perAction: Record<string, ThrottleCount>; stateRetries: number };
  /** Milliseconds spent in each action's calls (emulation and moto), summed over the fleet: where the local run's time goes. */
  callMs: Record<string, number>;
  /** The emulated account afterwards: instances still holding an unencrypted volume, and those not running. */
  endState: { unencryptedAttached: number; notRunning: number };
}

const THROTTLING = new Set<string>(TRANSIENT_ERRORS.filter((e) => /thrott|limit|toomany|slowdown/i.test(e)));
const isThrottling = (child: ChildResult) =>
  THROTTLING.has(child.error ?? '') || [...THROTTLING].some((name) => (child.cause ?? '').includes(name));

export type RunChild = (workflow: string, input: Record<string, unknown>, options: RunOptions) => Promise<LocalExecution>;

/**
 * The children of one fleet run, at most `concurrency` at a time, each through `runChild` (the local runner).
 * The one place the simulation runs children: the fleet emulation (Distributed Map over child runs, in local/)
 * can replace this pool once it exists, leaving the rest of the simulation as it is.
 */
export async function runChildren(
  runChild: RunChild,
  inputs: Record<string, unknown>[],
  concurrency: number,
  optionsFor: (index: number) => RunOptions,
  onDone: (execution: LocalExecution, input: Record<string, unknown>) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      const input = inputs[index] as Record<string, unknown>;
      onDone(await runChild('encrypt-volumes', input, optionsFor(index)), input);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, inputs.length)) }, worker));
}

function resultOf(execution: LocalExecution, instanceId: string): ChildResult {
  const calls: Record<string, number> = {};
  for (const call of execution.faults.callLog) calls[call] = (calls[call] ?? 0) + 1;
  return {
    instanceId,
    status: execution.status,
    outcome: (execution.output as { outcome?: string } | undefined)?.outcome,
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
    calls,
    throttles: execution.faults.throttles,
    retries: execution.events.filter((e) => e.type === 'StateRetried').length,
  };
}

/** Seeds the fleet: instances, each with an unencrypted gp2 root and an unencrypted gp3 data volume, a few at a time. */
async function seedFleet(seeder: AccountSeeder, instances: number, concurrency: number): Promise<string[]> {
  const ids: string[] = new Array(instances);
  let next = 0;
  const worker = async () => {
    while (next < instances) {
      const i = next++;
      const seeded = await seeder.createInstance({ name: `fleet-${i}`, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
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

export async function simulateFleet(seeder: AccountSeeder, runChild: RunChild, options: FleetSimulationOptions): Promise<FleetFigures> {
  const rates = options.rates ?? { '*': 0.05 };
  const seed = options.seed ?? 1;
  const seedStarted = performance.now();
  const instanceIds = await seedFleet(seeder, options.instances, Math.max(4, options.concurrency));
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const results: ChildResult[] = [];
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
  const started = performance.now();
  await runChildren(
    runChild,
    instanceIds.map((instanceId) => ({ instanceId, allowStop: true })),
    options.concurrency,
    // A seed per item: children make identical calls (DescribeKey of the same key), which one seed would throttle alike in every child.
    (index) => ({ faults: { throttle: { rates, seed: seed * 1_000_003 + index, sdkAttempts: handlerSdkAttempts } } }),
    (execution, input) => {
      results.push(resultOf(execution, input.instanceId as string));
      options.onProgress?.(results.length, instanceIds.length);
    },
  ).finally(removeTimer);
  const wallSeconds = (performance.now() - started) / 1000;

  const outcomes: Record<string, number> = {};
  const perAction: Record<string, number> = {};
  const throttlesPerAction: Record<string, ThrottleCount> = {};
  for (const child of results) {
    const key = child.status === 'SUCCEEDED' ? (child.outcome ?? 'SUCCEEDED') : `${child.status} (${child.error ?? 'unknown'})`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    add(perAction, child.calls);
    for (const [action, count] of Object.entries(child.throttles)) {
      const sum = throttlesPerAction[action] ?? { throttled: 0, toStateMachine: 0 };
      sum.throttled += count.throttled;
      sum.toStateMachine += count.toStateMachine;
      throttlesPerAction[action] = sum;
    }
  }
  const lost = results.filter((r) => r.status !== 'SUCCEEDED' || r.outcome !== 'REMEDIATED');
  const total = Object.values(perAction).reduce((a, b) => a + b, 0);
  const throttleTotals = Object.values(throttlesPerAction);
  return {
    instances: options.instances,
    volumes: options.instances * 2,
    concurrency: options.concurrency,
    rates,
    seed,
    seedSeconds,
    wallSeconds,
    outcomes,
    lost: [...lost, ...Array.from({ length: options.instances - results.length }, (): ChildResult => ({ instanceId: 'never ran', status: 'ABORTED', calls: {}, throttles: {}, retries: 0 }))],
    failedToThrottling: lost.filter(isThrottling).length,
    calls: { total, perItem: total / Math.max(1, results.length), perAction },
    throttles: {
      throttled: throttleTotals.reduce((a, c) => a + c.throttled, 0),
      toStateMachine: throttleTotals.reduce((a, c) => a + c.toStateMachine, 0),
      perAction: throttlesPerAction,
      stateRetries: results.reduce((a, r) => a + r.retries, 0),
    },
    callMs,
    endState: await endStateOf(seeder.ec2, instanceIds),
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
  const lines = [
    `Fleet simulation: ${f.instances} instances × 2 volumes (${f.volumes} volumes) of encrypt-volumes, ${f.concurrency} children at a time, ` +
      `throttling ${Object.entries(f.rates).map(([a, r]) => `${a} ${pct(r)}`).join(', ')} of attempts (seed ${f.seed})`,
    `  wall time: ${f.wallSeconds.toFixed(1)} s for the children (${(f.wallSeconds / Math.max(1, f.instances)).toFixed(2)} s per item at this concurrency), seeding ${f.seedSeconds.toFixed(1)} s`,
    `  outcomes: ${Object.entries(f.outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`,
    `  items lost: ${f.lost.length}, failed to throttling: ${f.failedToThrottling} (target 0)`,
    `  end state: ${f.endState.unencryptedAttached} unencrypted volumes still attached, ${f.endState.notRunning} instances not running`,
    `  API calls: ${f.calls.total} (${f.calls.perItem.toFixed(1)} per item)`,
    `  throttles injected: ${f.throttles.throttled} attempts; absorbed by the SDK's retries: ${f.throttles.throttled - f.throttles.toStateMachine}; ` +
      `reached the state machine (every SDK attempt throttled, or a create sent once): ${f.throttles.toStateMachine}, absorbed by ${f.throttles.stateRetries} state retries`,
    '  per action (calls per item, throttled attempts, to the state machine, ms per call locally):',
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
  }
  for (const child of f.lost.slice(0, 10)) lines.push(`  lost: ${child.instanceId} ${child.status} ${child.outcome ?? ''} ${child.error ?? ''} ${child.cause ?? ''}`.slice(0, 300));
  return lines.join('\n');
}
