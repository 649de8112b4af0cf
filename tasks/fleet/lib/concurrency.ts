import { WORKFLOW } from '../../lib/workflow-names';
import type { FleetChildWorkflow } from './children';

/**
 * EC2 throttles per account and region with token buckets: mutating calls refill at 5 per second, unfiltered
 * Describe* at 10 per second (filtered, paginated Describe* calls, the only ones our tasks make, draw on larger
 * buckets). The mutating bucket is the fleet's bound.
 */
export const EC2_MUTATING_REFILL_PER_SECOND = 5;
export const EC2_UNFILTERED_DESCRIBE_REFILL_PER_SECOND = 10;
/** The share of the mutating refill a fleet may use: the rest is left to people and other tools in the account. */
export const FLEET_SHARE_OF_REFILL = 0.5;

/**
 * One child's mutating EC2 calls and how long it takes: encrypt-volumes for an instance with 2 volumes makes about
 * 30 (snapshots, copies, stop, create, detach, attach, tags, start, cleanup; the 1,000-instance fleet simulation
 * measured 29.4 per child, bench/fleet-figures.json) over about 15 minutes of snapshot and copy waits (the bench's
 * downtime model, not a measurement: moto's states are final at once); the others make a few over about a minute.
 */
export const CHILD_CALL_PROFILE: Record<FleetChildWorkflow, { mutatingCalls: number; seconds: number }> = {
  [WORKFLOW.encryptVolumes]: { mutatingCalls: 30, seconds: 900 },
  [WORKFLOW.enableFlowLogs]: { mutatingCalls: 3, seconds: 60 },
  [WORKFLOW.enforceImdsv2]: { mutatingCalls: 4, seconds: 60 },
  [WORKFLOW.restrictSecurityGroups]: { mutatingCalls: 4, seconds: 60 },
};

/**
 * MaxConcurrency such that the children together stay within the fleet's share of the mutating refill:
 *   concurrency x (mutatingCalls / seconds) <= FLEET_SHARE_OF_REFILL x EC2_MUTATING_REFILL_PER_SECOND
 * encrypt-volumes: 2.5 / (30/900) = 75; enable-flow-logs: 2.5 / (3/60) = 50; enforce-imdsv2 and
 * restrict-security-groups: 2.5 / (4/60) = 37. Bursts above the average are absorbed by the tasks' throttling retries.
 */
export function derivedMaxConcurrency(workflow: FleetChildWorkflow): number {
  const { mutatingCalls, seconds } = CHILD_CALL_PROFILE[workflow];
  return Math.max(1, Math.floor((FLEET_SHARE_OF_REFILL * EC2_MUTATING_REFILL_PER_SECOND) / (mutatingCalls / seconds)));
}
