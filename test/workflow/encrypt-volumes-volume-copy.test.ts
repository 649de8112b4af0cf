import { COPY_QUEUE_RETRY, States } from '../../workflows/encrypt-volumes';
import type { Report } from '../../tasks/ebs/build-report';
import type { RollbackReport } from '../../tasks/ebs/finish-rollback';
import type { InitializationReport } from '../../tasks/ebs/volume-initialization';
import { COPY_VOLUMES_LIMIT_EXCEEDED } from '../../tasks/ebs/lib/volume-copy';
import type { SeededInstance } from '../../local/seed';
import { volumeCopies } from '../../local/emulation/copy-volumes';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { describeVolume, expectBefore, expectEach, mutatingCalls, snapshotsOf, startHarness, statesEntered, tag, volumeAt, withLockCalls, type Harness } from './harness';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  // Copies initialize in 1 ms per GiB here, so one test's copies are no longer in flight (EC2 takes five) when the next begins.
  volumeCopies.msPerGiB = 1;
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/volume-copy-test');
});
afterAll(() => h.moto.stop());

const server = (name: string, state: 'running' | 'stopped' = 'running') => h.seeder.createInstance({
  name,
  state,
  dataVolumes: [
    { device: '/dev/sdf', sizeGiB: 100, volumeType: 'gp3', iops: 4000, throughput: 250, tags: [{ Key: 'app', Value: 'billing' }] },
    { device: '/dev/sdg', sizeGiB: 20, volumeType: 'io1', iops: 500 },
  ],
});
/**
 * Runs `fn` with the emulation's clock a day behind (every copy made here has initialized once the real clock is
 * back, so the next test finds none in flight) and 10 s further on at each read of it: a copy of 100 GiB at
 * 1 s per GiB is still initializing at the first read after the swap (the three copies and that read take at
 * most 7 reads of the clock), and initialized a few reads later, inside its budget of 13.
 */
async function onSteppedClock<T>(fn: () => Promise<T>): Promise<T> {
  const real = { now: volumeCopies.now, msPerGiB: volumeCopies.msPerGiB };
  let t = Date.now() - 86_400_000;
  volumeCopies.now = () => (t += 10_000);
  volumeCopies.msPerGiB = 1000;
  try {
    return await fn();
  } finally {
    Object.assign(volumeCopies, real);
  }
}
const exitsOf = (execution: { events: { type: string; state?: string; output?: unknown }[] }, state: string) =>
  execution.events.filter((e) => e.type === 'StateExited' && e.state === state).map((e) => e.output as Record<string, unknown>);
const apply = (seeded: SeededInstance) => ({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn, strategy: 'volume-copy' });
const devicesOf = (seeded: SeededInstance) => [seeded.rootDevice, '/dev/sdf', '/dev/sdg'];

describe('encrypt-volumes, volume-copy strategy', () => {
  it('stops, copies each volume encrypted (no snapshot), swaps, verifies, restarts, keeps the originals, then follows the initialization unlocked', async () => {
    // GIVEN a running instance with a gp2 root, a tuned gp3 and an io1 data volume, all unencrypted; copies initialize over minutes
    const seeded = await server('vc-apply');
    const before = Object.fromEntries(await Promise.all(devicesOf(seeded).map(async (d) => [d, (await volumeAt(h.seeder, seeded.instanceId, d)).volume] as const)));

    // WHEN
    const execution = await onSteppedClock(() => h.run(apply(seeded)));

    // THEN every device holds an encrypted copy with the original's type, size, IOPS and throughput
    expect(execution.status).toBe('SUCCEEDED');
    for (const device of devicesOf(seeded)) {
      const { volume, instance } = await volumeAt(h.seeder, seeded.instanceId, device);
      const original = before[device];
      expect(volume.VolumeId).not.toBe(original?.VolumeId);
      expect(volume).toMatchObject({
        Encrypted: true, KmsKeyId: keyArn, Size: original?.Size, VolumeType: original?.VolumeType, AvailabilityZone: original?.AvailabilityZone,
        ...(original?.VolumeType === 'gp2' ? {} : { Iops: original?.Iops }),
        ...(original?.VolumeType === 'gp3' ? { Throughput: original.Throughput } : {}),
      });
      expect(volume.SnapshotId ?? '').toBe('');
      expect(tag(volume.Tags, 'remediation:execution')).toBe(execution.name);
      expect(tag(volume.Tags, 'remediation:phase')).toBe('replacement');
      expect(instance.State?.Name).toBe('running');
      // the original is retained, detached, with the retention tags
      const kept = await describeVolume(h.seeder, original?.VolumeId as string);
      expect(kept.State).toBe('available');
      expect(tag(kept.Tags, 'remediation:replaced-by')).toBe(volume.VolumeId);
      expect(tag(kept.Tags, 'remediation:replaced-on')).toBe(`${seeded.instanceId}:${device}`);
      expect(tag(kept.Tags, 'remediation:retain-until')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // the source's own tags were copied by us (CopyVolumes copies none)
    expect(tag((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Tags, 'app')).toBe('billing');
    // no snapshot at all, and none of the snapshot states ran
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
    expect(execution.faults.callLog.filter((c) => /Snapshot/.test(c) && !/Describe/.test(c))).toEqual([]);
    const path = statesEntered(execution);
    expect(path).not.toContain(States.preCopySnapshots);
    expect(path).not.toContain(States.finalSnapshots);
    expectBefore(path, States.checkInstanceStopped, States.copyVolumes);
    expectBefore(path, States.swapVolumes, States.readVolumeInitialization);
    expectBefore(path, States.verifySwap, States.startInstance);
    // the report names each copy's source and its initialization (read once, not waited for)
    const report = execution.output as Report;
    expect(report.outcome).toBe('REMEDIATED');
    const replaced = report.actions.filter((a) => a.action === 'replace-volume');
    expect(replaced.map((a) => (a.after as { copiedFromVolume?: string }).copiedFromVolume).sort())
      .toEqual(devicesOf(seeded).map((d) => before[d]?.VolumeId).sort());
    // the first read, right after the swap, finds the 100 GiB copy initializing
    const [first] = exitsOf(execution, States.readVolumeInitialization).map((o) => (o.work as { initialization: InitializationReport }).initialization);
    expect(first?.status).toBe('initializing');
    expect(first?.volumes.find((v) => v.device === '/dev/sdf')).toMatchObject({ state: 'initializing', initializationType: 'volume-copy' });
    // followed after the instance is running and the lock released: read again until every copy has initialized
    expectBefore(path, States.checkInstanceStarted, SkeletonStates.releaseLock);
    expectBefore(path, SkeletonStates.releaseLock, States.checkVolumeInitialization);
    const reads = exitsOf(execution, States.checkVolumeInitialization).map((o) => (o.initialization as InitializationReport).status);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.slice(0, -1)).toEqual(reads.slice(0, -1).map(() => 'initializing'));
    expect(reads.at(-1)).toBe('completed');
    expect(execution.faults.callLog.slice(execution.faults.callLog.lastIndexOf('dynamodb:DeleteItem'))).toEqual(['dynamodb:DeleteItem', ...reads.map(() => 'ec2:DescribeVolumeStatus')]);
    // the output carries the last read: each copy completed, with when it was first seen so
    const initialization = report.initialization as InitializationReport;
    expect(initialization).toMatchObject({ status: 'completed', checks: reads.length + 1 });
    expect(initialization.volumes.map((v) => v.device).sort()).toEqual(devicesOf(seeded).sort());
    expectEach(initialization.volumes, (v) => v.initializationType === 'volume-copy' && v.state === 'completed' && typeof v.completedAt === 'string');
  });

  it('queues a copy EC2 refuses for the limit of copies in flight (CopyVolumesLimitExceeded), then completes; a follow-up read refused ends the follow-up only', async () => {
    // GIVEN EC2 refuses the first two CopyVolumes calls (too many copies in flight), and every read of the initialization after the first
    const seeded = await server('vc-queue');
    const limit = { command: 'CopyVolumes', from: 1, to: 2, errorName: COPY_VOLUMES_LIMIT_EXCEEDED, message: '5 volume copies are in progress (injected)' };
    const refused = { command: 'DescribeVolumeStatus', from: 2, errorName: 'UnauthorizedOperation', message: 'not authorized (injected)' };

    // WHEN
    const execution = await onSteppedClock(() => h.run(apply(seeded), { faults: { failCalls: [limit, refused] } }));

    // THEN the state machine retried (queued), nothing failed, every device is encrypted
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.events.filter((e) => e.type === 'StateRetried' && e.state === States.copyVolume)).toHaveLength(2);
    for (const device of devicesOf(seeded)) expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.Encrypted).toBe(true);
    // the one follow-up read failed (not retried: not transient): recorded, the last good read kept, the lock long released
    const report = execution.output as Report;
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.initializationFollowError?.Error).toBe('UnauthorizedOperation');
    expect((report.initialization as InitializationReport).status).toBe('initializing');
    expect(execution.faults.callLog.filter((c) => c === 'ec2:DescribeVolumeStatus')).toHaveLength(2);
    expectBefore(statesEntered(execution), SkeletonStates.releaseLock, States.checkVolumeInitialization);
  });

  it('rolls back a failure after the stop: originals reattached, instance restarted, the encrypted copies kept tagged rolled-back', async () => {
    // GIVEN the second attach of a copy fails
    const seeded = await server('vc-rollback');
    const attachFails = { command: 'AttachVolume', nth: 2, errorName: 'IncorrectState', message: 'Volume is in an incorrect state (injected)' };

    // WHEN
    const execution = await h.run(apply(seeded), { faults: { failCall: attachFails } });

    // THEN
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.devices.map((d) => d.restored)).toEqual([true, true, true]);
    for (const [device, volumeId] of Object.entries(seeded.volumes)) {
      expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId).toBe(volumeId);
    }
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    // every copy this run made is encrypted, detached and marked for expire-retained; no snapshot exists
    const copies = report.devices.map((d) => d.newVolumeId as string);
    expect(copies).toHaveLength(3);
    for (const id of copies) {
      const copy = await describeVolume(h.seeder, id);
      expect(copy).toMatchObject({ Encrypted: true, State: 'available' });
      expect(tag(copy.Tags, 'remediation:rolled-back')).toBe('true');
      expect(tag(copy.Tags, 'remediation:retain-until')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(report.cleanup.tagged.sort()).toEqual([...copies].sort());
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
  });

  it('on a stopped instance: copies without a stop or a start, the instance stays stopped; a re-run finds nothing to do', async () => {
    // GIVEN a stopped instance
    const seeded = await server('vc-stopped', 'stopped');

    // WHEN
    const execution = await h.run(apply(seeded));
    const again = await h.run(apply(seeded));

    // THEN
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.callLog).not.toContain('ec2:StopInstances');
    expect(execution.faults.callLog).not.toContain('ec2:StartInstances');
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CopyVolumes')).toHaveLength(3);
    for (const device of devicesOf(seeded)) expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.Encrypted).toBe(true);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('stopped');
    expect((again.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));
  });

  it('plan mode changes nothing', async () => {
    const seeded = await server('vc-plan');

    const execution = await h.run({ ...apply(seeded), mode: 'plan' });

    expect((execution.output as Report).outcome).toBe('PLANNED');
    expect(mutatingCalls(execution)).toEqual([]);
    expect(statesEntered(execution).slice(-3)).toEqual([SkeletonStates.releaseLock, States.routeAfterRelease, States.done]);
    expect(execution.faults.callLog).not.toContain('ec2:DescribeVolumeStatus');
  });

  it('a queue that outlasts its budget rolls back: originals in place, instance restarted, no copy made', async () => {
    // GIVEN EC2 refuses every CopyVolumes: copies stay in flight elsewhere for longer than the queue's budget
    const seeded = await server('vc-queue-spent');
    const limit = { command: 'CopyVolumes', errorName: COPY_VOLUMES_LIMIT_EXCEEDED, message: 'in progress (injected)' };

    // WHEN
    const execution = await h.run(apply(seeded), { faults: { failCalls: [limit] } });

    // THEN
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.error.Error).toBe(COPY_VOLUMES_LIMIT_EXCEEDED);
    // a copy queued for its whole budget (8 retries), no more, then the Map failed into rollback
    const retries = execution.events.filter((e) => e.type === 'StateRetried' && e.state === States.copyVolume)
      .reduce<Record<string, number>>((byItem, e) => ({ ...byItem, [String(e.index)]: (byItem[String(e.index)] ?? 0) + 1 }), {});
    expect(Math.max(...Object.values(retries))).toBe(COPY_QUEUE_RETRY.maxAttempts);
    for (const [device, volumeId] of Object.entries(seeded.volumes)) {
      expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId).toBe(volumeId);
    }
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    expect(report.cleanup.kept).toEqual([]);
  });
});
