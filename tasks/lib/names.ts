import { createHash } from 'node:crypto';

/**
 * Names of our state machines and executions, in one place: the stack names the state
 * machines, the CLI, the local runner and triage name executions, and the audit reads both back.
 */

/** Every state machine of ours is named `remediation-<workflow>`. */
export const STATE_MACHINE_PREFIX = 'remediation-';

export const stateMachineName = (workflow: string): string => `${STATE_MACHINE_PREFIX}${workflow}`;

/** Step Functions refuses longer execution names. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * `<workflow>-<target>-<UTC yyyymmddThhmmssZ>`, cut to 80 characters. `at` is a Date or an ISO
 * timestamp (Step Functions' `$$.Execution.StartTime`, with any number of fraction digits).
 * `sequence` > 1 names a later execution started in the same second: `-<sequence>` is appended,
 * inside the 80 characters, because Step Functions refuses a name that was used before.
 */
export function executionName(workflow: string, target: string, at: Date | string = new Date(), sequence = 1): string {
  const iso = typeof at === 'string' ? at : at.toISOString();
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = sequence > 1 ? `-${sequence}` : '';
  return `${`${workflow}-${target}-${stamp}`.slice(0, MAX_EXECUTION_NAME_LENGTH - suffix.length)}${suffix}`;
}

/**
 * What an execution is named for, from its input (one rule for the CLI and the local runner): the instance, else the
 * first network interface (investigate-traffic started with `eniIds`), else the event it handles (triage), else the account.
 */
export function executionTarget(input: Record<string, unknown>): string {
  const eni = Array.isArray(input.eniIds) && typeof input.eniIds[0] === 'string' ? input.eniIds[0] : undefined;
  const event = (input.detail as { eventID?: unknown } | undefined)?.eventID;
  const target = input.instanceId ?? eni ?? event;
  return typeof target === 'string' && target.length > 0 ? target : 'account';
}

/**
 * The name of the child `childWorkflow` execution one parent execution starts: the parent's name with its
 * workflow replaced (`investigate-traffic-i-0abc-20260101T100000Z` -> `block-source-ip-i-0abc-20260101T100000Z`),
 * so a retried start finds the same child and the two can be matched by eye. A parent named otherwise (by
 * hand) gets `<childWorkflow>-<its name>`, cut to 80 characters with a short digest of the whole kept unique.
 */
export function childExecutionName(parentWorkflow: string, childWorkflow: string, parentName: string): string {
  const rest = parentName.startsWith(`${parentWorkflow}-`) ? parentName.slice(parentWorkflow.length + 1) : parentName;
  const full = `${childWorkflow}-${rest}`;
  if (full.length <= MAX_EXECUTION_NAME_LENGTH) return full;
  const digest = createHash('sha256').update(parentName).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_EXECUTION_NAME_LENGTH - digest.length - 1)}-${digest}`;
}
