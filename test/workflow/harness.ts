import { DescribeSnapshotsCommand, DescribeVolumesCommand, type Instance, type Snapshot, type Volume } from '@aws-sdk/client-ec2';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import type { LocalExecution, RunOptions } from '../../local/runner';
import type { AccountSeeder } from '../../local/seed';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export interface Harness {
  moto: MotoServer;
  seeder: AccountSeeder;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
}

/** One moto server per test file; handlers and runner load only after the SDK points at it. */
export async function startHarness(): Promise<Harness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  const { runWorkflow } = await import('../../local/runner');
  return { moto, seeder: new Seeder(), run: (input, options) => runWorkflow('encrypt-volumes', input, options) };
}

/** The volume attached at `device` and what EC2 says about it now. */
export async function volumeAt(seeder: AccountSeeder, instanceId: string, device: string): Promise<{ volume: Volume; deleteOnTermination: boolean | undefined; instance: Instance }> {
  const instance = await seeder.describe(instanceId);
  const mapping = instance.BlockDeviceMappings?.find((m) => m.DeviceName === device);
  if (!mapping?.Ebs?.VolumeId) throw new Error(`nothing attached at ${device}`);
  const volume = await describeVolume(seeder, mapping.Ebs.VolumeId);
  return { volume, deleteOnTermination: mapping.Ebs.DeleteOnTermination, instance };
}

export async function describeVolume(seeder: AccountSeeder, volumeId: string): Promise<Volume> {
  const out = await seeder.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  const volume = out.Volumes?.[0];
  if (!volume) throw new Error(`volume ${volumeId} not found`);
  return volume;
}

/** Snapshots an execution created (tagged with its name). */
export async function snapshotsOf(seeder: AccountSeeder, executionName: string): Promise<Snapshot[]> {
  const out = await seeder.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:remediation:execution', Values: [executionName] }] }));
  return out.Snapshots ?? [];
}

export const tag = (tags: { Key?: string; Value?: string }[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

/** State names entered, in order (top level and inside Maps). */
export const statesEntered = (execution: LocalExecution) => execution.events.filter((e) => e.type === 'StateEntered').map((e) => e.state as string);

/** AWS calls that change something (everything but Describe*, Get* and List*). */
export const mutatingCalls = (execution: LocalExecution) =>
  execution.faults.callLog.filter((c) => !/:(Describe|Get|List)/.test(c));

/**
 * `earlier` happened before `later` in `sequence` (states entered, calls made): both are there, and the
 * first `earlier` comes before the first `later`. A bare indexOf comparison passes when `earlier` never ran.
 */
export function expectBefore(sequence: readonly string[], earlier: string, later: string): void {
  expect(sequence).toContain(earlier);
  expect(sequence).toContain(later);
  expect(sequence.indexOf(earlier)).toBeLessThan(sequence.indexOf(later));
}

/** Every item passes `check`, and there is at least one: `.every` alone passes on an empty list. */
export function expectEach<T>(items: readonly T[], check: (item: T) => boolean): void {
  expect(items.length).toBeGreaterThan(0);
  expect(items.filter((item) => !check(item))).toEqual([]);
}

const S = SkeletonStates;
const LOCK_TAKEN = [S.validateInput, S.routeByMode, S.acquireLock, S.remediation];

/** The kit's wait for an instance to leave pending/stopping, when it found it settled at once (the states before Preflight). */
export const SETTLED_AT_ONCE = [S.settleInstance, S.checkInstanceSettled, S.routeInstanceSettled] as const;

/** The path of an execution that took the lock and ended well: the kit's lock states around the body's (Preflight ... BuildReport). */
export const locked = (...body: string[]): string[] => [...LOCK_TAKEN, ...body, S.releaseLock, S.done];

/** The path of an execution that took the lock and failed inside the body (ending in `body`'s last state): released, then Failed. */
export const lockedFailure = (...body: string[]): string[] => [...LOCK_TAKEN, ...body, S.releaseLockAfterFailure, S.failed];

/** The path of a plan: no lock taken (WithoutLock); ReleaseLock finds none to release. */
export const planned = (...body: string[]): string[] => [S.validateInput, S.routeByMode, S.withoutLock, S.remediation, ...body, S.releaseLock, S.done];

/**
 * The mutating calls of an execution that took the lock: the lock's own (conditional put, and on an
 * instance the `remediation:lock` tag; once the plan proceeds, LockResources' tag on its volumes) first,
 * the body's `calls` between, the release last.
 */
export const withLockCalls = (target: 'instance' | 'instance and volumes' | 'account', ...calls: string[]): string[] => {
  if (target === 'account') return ['dynamodb:PutItem', ...calls, 'dynamodb:DeleteItem'];
  const lockTags = target === 'instance' ? ['ec2:CreateTags'] : ['ec2:CreateTags', 'ec2:CreateTags'];
  return ['dynamodb:PutItem', ...lockTags, ...calls, 'ec2:DeleteTags', 'dynamodb:DeleteItem'];
};
