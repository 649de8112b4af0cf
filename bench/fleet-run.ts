import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { startMoto, useEndpoint } from '../local/moto';
import { fleetReport, mergeFigures, type FleetFigures, type FleetSimulationOptions } from './fleet-simulation';

/**
 * Issue 12's fleet: 1,000 instances × 2 volumes, 5% of every action's attempts throttled, as 4 fleet runs of 250 side by
 * side, each on a moto server of its own (moto is single-threaded and scans a region's whole account on each
 * Describe*: four accounts of 250 cost a quarter of one of 1,000 per call, and spread over both cores), 16 children at a
 * time in each.
 */
export const FULL_FLEET: FleetRunOptions = { instances: 1000, concurrency: 64, shards: 4, rates: { '*': 0.05 }, seed: 1 };
/** What `npm run bench` runs besides printing the full run's saved figures: a fleet small enough for a minute or two here. */
export const BENCH_FLEET: FleetRunOptions = { instances: 40, concurrency: 16, shards: 1, rates: { '*': 0.05 }, seed: 1 };
/** The full run's figures as measured, committed: `npx tsx bench/fleet-run.ts 1000 64 4 --save` writes them. */
export const SAVED_FIGURES = path.join(__dirname, 'fleet-figures.json');

/**
 * moto's default images bring 1,177 public snapshots into every region, which each DescribeSnapshots filters and every
 * RunInstances searches (test/global-setup.ts): the simulation's moto loads only the images the tests launch, and
 * reads EC2 tags by resource id (local/moto_indexed_tags.py).
 */
const MOTO_AMIS = path.join(__dirname, '..', 'test', 'fixtures', 'moto-amis.json');

export interface FleetRunOptions extends FleetSimulationOptions {
  /** Fleet runs side by side, each in a process and on a moto server of its own; `instances` and `concurrency` are split among them. */
  shards: number;
}

/** A saved run: its figures and where and when it was measured. */
export interface SavedFleetRun {
  measuredAt: string;
  command: string;
  machine: string;
  figures: FleetFigures;
}

/** One fleet run on a moto server of its own, in this process. */
export async function runFleetShard(options: FleetSimulationOptions): Promise<FleetFigures> {
  process.env.MOTO_AMIS_PATH ??= MOTO_AMIS;
  const moto = await startMoto(30_000, { indexedTags: true });
  try {
    useEndpoint(moto.endpoint);
    const { AccountSeeder } = await import('../local/seed');
    const { runFleetLocally } = await import('../local/fleet');
    const { simulateFleet } = await import('./fleet-simulation');
    return await simulateFleet(new AccountSeeder(), runFleetLocally, options);
  } finally {
    await moto.stop();
  }
}

/** `instances` split into `shards` nearly equal parts (the first ones take the remainder). */
export const split = (n: number, shards: number): number[] => Array.from({ length: shards }, (_, i) => Math.floor(n / shards) + (i < n % shards ? 1 : 0));

/** The whole run: one shard here, or each shard in a child process (`--shard`), their figures merged. */
export async function runFleetSimulation(options: FleetRunOptions, log: (line: string) => void = console.log): Promise<FleetFigures> {
  const { shards, onProgress, ...rest } = options;
  if (shards <= 1) return runFleetShard({ ...rest, ...(onProgress ? { onProgress } : {}) });
  const dir = mkdtempSync(path.join(tmpdir(), 'remediation-fleet-'));
  try {
    const instances = split(options.instances, shards);
    const concurrency = split(options.concurrency, shards);
    const figures = await Promise.all(instances.map((n, i) => new Promise<FleetFigures>((resolve, reject) => {
      const out = path.join(dir, `shard-${i}.json`);
      const shard: FleetSimulationOptions = { ...rest, instances: n, concurrency: Math.max(1, concurrency[i] as number), seed: (options.seed ?? 1) * 1000 + i };
      // A fleet run keeps each child's execution (its events) until the end: a few MB a child, more than Node's default heap at 250.
      const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=6144`.trim() };
      const child = spawn(process.execPath, [require.resolve('tsx/cli'), __filename, '--shard', JSON.stringify(shard), out], { stdio: ['ignore', 'pipe', 'inherit'], env });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach((line) => log(`  [shard ${i + 1}/${shards}] ${line.trim()}`)));
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`fleet shard ${i + 1} failed (exit ${code})`));
        resolve(JSON.parse(readFileSync(out, 'utf8')) as FleetFigures);
      });
    })));
    return mergeFigures(figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Progress every 10% of the children. */
function progress(log: (line: string) => void): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (done === total || done - last >= Math.max(1, Math.floor(total / 10))) {
      last = done;
      log(`${done}/${total} children done (${new Date().toISOString()})`);
    }
  };
}

export function readSavedRun(file = SAVED_FIGURES): SavedFleetRun {
  return JSON.parse(readFileSync(file, 'utf8')) as SavedFleetRun;
}

/**
 * `npm run bench`'s fleet figures: the full run's, as saved (it takes the better part of an hour here), then a run of
 * BENCH_FLEET measured now, in a process of its own (the handlers there point at its own moto server).
 * FLEET_INSTANCES, FLEET_CONCURRENCY and FLEET_SHARDS change the size of the run measured now.
 */
export function fleetSimulationFigures(): void {
  const saved = readSavedRun();
  console.log(`\nFleet simulation, full run as measured (${SAVED_FIGURES.replace(`${path.dirname(__dirname)}/`, '')}: ${saved.measuredAt}, \`${saved.command}\`; ${saved.machine})`);
  console.log(fleetReport(saved.figures));
  const args = [process.env.FLEET_INSTANCES ?? BENCH_FLEET.instances, process.env.FLEET_CONCURRENCY ?? BENCH_FLEET.concurrency, process.env.FLEET_SHARDS ?? BENCH_FLEET.shards].map(String);
  console.log(`\nFleet simulation measured now (bench/fleet-run.ts ${args.join(' ')}); progress every 10%`);
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), __filename, ...args], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`the fleet simulation failed (exit ${run.status})`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--shard') {
    const figures = await runFleetShard({ ...(JSON.parse(argv[1] as string) as FleetSimulationOptions), onProgress: progress(console.log) });
    writeFileSync(argv[2] as string, JSON.stringify(figures));
    return;
  }
  const save = argv.includes('--save');
  const [instances, concurrency, shards] = argv.filter((a) => a !== '--save').map(Number);
  const options: FleetRunOptions = { ...FULL_FLEET, ...(instances ? { instances } : {}), ...(concurrency ? { concurrency } : {}), ...(shards ? { shards } : {}) };
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  const figures = await runFleetSimulation({ ...options, onProgress: progress((line) => console.log(`  ${line}`)) });
  console.log(fleetReport(figures));
  if (save) {
    const run: SavedFleetRun = {
      measuredAt: new Date().toISOString(),
      command: `npx tsx bench/fleet-run.ts ${options.instances} ${options.concurrency} ${options.shards} --save`,
      machine: `2 cores shared with other jobs, load average ${load} at the start and ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`,
      figures,
    };
    writeFileSync(SAVED_FIGURES, `${JSON.stringify(run, null, 2)}\n`);
    console.log(`saved to ${SAVED_FIGURES}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
