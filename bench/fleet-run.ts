import { spawnSync } from 'node:child_process';
import { startMoto, useEndpoint } from '../local/moto';
import { fleetReport, type FleetFigures, type FleetSimulationOptions } from './fleet-simulation';

/** Issue 12's fleet: 1,000 instances × 2 volumes, 5% of calls throttled (FLEET_INSTANCES=1000; hours locally, see README). */
export const FULL_FLEET: FleetSimulationOptions = { instances: 1000, concurrency: 16, rates: { '*': 0.05 }, seed: 1 };
/**
 * What `npm run bench` runs by default: the largest fleet that finishes in about 10 minutes here (moto's filtered
 * Describe* scan the whole account, so a local run grows faster than linearly); it prints the 1,000's extrapolation.
 */
export const BENCH_FLEET_INSTANCES = 60;

/** One fleet simulation on a moto server of its own. */
export async function runFleetSimulation(options: FleetSimulationOptions): Promise<FleetFigures> {
  const moto = await startMoto();
  try {
    useEndpoint(moto.endpoint);
    const { AccountSeeder } = await import('../local/seed');
    const { runWorkflow, localWorkflows } = await import('../local/runner');
    const { simulateFleet } = await import('./fleet-simulation');
    localWorkflows();
    return await simulateFleet(new AccountSeeder(), runWorkflow, options);
  } finally {
    await moto.stop();
  }
}

/**
 * `npm run bench`'s fleet figures: the simulation in a process of its own (the handlers there point at its own moto
 * server). FLEET_INSTANCES and FLEET_CONCURRENCY change the size (default: BENCH_FLEET_INSTANCES × 2 at 16).
 */
export function fleetSimulationFigures(): void {
  const instances = process.env.FLEET_INSTANCES ?? String(BENCH_FLEET_INSTANCES);
  console.log(`\nFleet simulation (bench/fleet-simulation.ts), ${instances} instances; progress every 10%`);
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), __filename, instances, process.env.FLEET_CONCURRENCY ?? ''], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`the fleet simulation failed (exit ${run.status})`);
}

if (require.main === module) {
  const [instances, concurrency] = process.argv.slice(2).map(Number);
  const options = { ...FULL_FLEET, ...(instances ? { instances } : {}), ...(concurrency ? { concurrency } : {}) };
  let last = 0;
  runFleetSimulation({
    ...options,
    onProgress: (done, total) => {
      if (done === total || done - last >= Math.max(1, Math.floor(total / 10))) {
        last = done;
        console.log(`  ${done}/${total} children done (${new Date().toISOString()})`);
      }
    },
  }).then((figures) => console.log(fleetReport(figures)), (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
