import { WORKFLOW } from '../tasks/lib/workflow-names';
import { FLEET_BUCKET_ENV } from '../tasks/fleet/lib/manifest';
import type { FleetInput } from '../tasks/fleet/lib/schema';
import { localStack, runWorkflow, type LocalExecution, type RunOptions } from './runner';
import { createStackResources } from './stack-resources';

/** The fleet bucket as the local stack names it, created in the emulator if it is not there yet. */
export async function localFleetBucket(): Promise<string> {
  const stack = localStack();
  const name = process.env[FLEET_BUCKET_ENV] ?? stack.environment[FLEET_BUCKET_ENV];
  const bucket = stack.owned.find((r) => r.kind === 'bucket' && r.name === name);
  if (!bucket) throw new Error(`the local stack has no fleet bucket (${FLEET_BUCKET_ENV}=${name ?? 'unset'})`);
  await createStackResources([bucket], stack.region);
  return bucket.name;
}

/**
 * One fleet run locally: the fleet's synthesized definition with its real handlers against the emulator; its
 * Distributed Map emulated (local/distributed-map.ts) with each child a real local execution of the child's own
 * definition, in its own history (`execution.children`). The entry point for simulations (a 1,000-instance fleet
 * with throttling injected through `options.faults`): the input is the fleet's own (docs/schemas/fleet.json).
 */
export async function runFleetLocally(input: Partial<FleetInput> & Pick<FleetInput, 'workflow' | 'selector'>, options: RunOptions = {}): Promise<LocalExecution> {
  await localFleetBucket();
  return runWorkflow(WORKFLOW.fleet, input as Record<string, unknown>, options);
}

/**
 * RedriveExecution, locally: the FAILED fleet run `failed` again, same name, from its failed state; its Map Run reruns only
 * the items that failed or never started (with RedriveCount + 1, so their children get new names), the succeeded ones are
 * not rerun. Returns the redriven execution (its events: the first run's, ExecutionRedriven, then the redrive's).
 */
export async function redriveFleetLocally(failed: LocalExecution, options: Omit<RunOptions, 'redrive' | 'executionName'> = {}): Promise<LocalExecution> {
  await localFleetBucket();
  return runWorkflow(WORKFLOW.fleet, failed.input as Record<string, unknown>, { ...options, redrive: failed });
}
