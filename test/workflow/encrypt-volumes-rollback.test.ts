import type { RollbackReport } from '../../tasks/ebs/finish-rollback';
import type { Report } from '../../tasks/ebs/build-report';
import { States } from '../../workflows/encrypt-volumes';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import type { FailCalls } from '../../local/faults';
import type { SeededInstance } from '../../local/seed';
import { describeVolume, expectEach, snapshotsOf, startHarness, statesEntered, tag, volumeAt, type Harness } from './harness';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/rollback-test');
});
afterAll(() => h.moto.stop());

const server = (name: string) => h.seeder.createInstance({
  name,
  dataVolumes: [
    { device: '/dev/sdf', sizeGiB: 50, volumeType: 'gp3', iops: 3500, throughput: 200, deleteOnTermination: true },
    { device: '/dev/sdg', sizeGiB: 20, volumeType: 'gp3' },
  ],
});
const apply = (seeded: SeededInstance) => ({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn });
/** The swap of the second volume fails at its attach: rollback then has one swapped device and one half-swapped. */
const SECOND_ATTACH_FAILS = { command: 'AttachVolume', nth: 2, errorName: 'IncorrectState', message: 'Volume is in an incorrect state (injected)' };
const retriesOf = (execution: { events: { type: string; state?: string }[] }, state: string) =>
  execution.events.filter((e) => e.type === 'StateRetried' && e.state === state).length;
const endOf = (execution: Parameters<typeof statesEntered>[0], n: number) => statesEntered(execution).slice(-n);

describe('complete rollback', () => {
  it('retries a busy volume while putting it back: every device restored, RemediationRolledBack', async () => {
    // GIVEN the second swap fails, and the first reattach of /dev/sdf's original meets IncorrectState once
    const seeded = await server('rollback-transient');
    const busyOnce: FailCalls = {
      command: 'AttachVolume', match: { VolumeId: seeded.volumes['/dev/sdf'] as string }, from: 1, to: 1, errorName: 'IncorrectState', message: 'busy (injected)',
    };

    // WHEN
    const execution = await h.run(apply(seeded), { faults: { failCall: SECOND_ATTACH_FAILS, failCalls: [busyOnce] } });

    // THEN
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.error.Error).toBe('IncorrectState');
    expect(retriesOf(execution, States.rollbackVolume)).toBe(1);
    expect(report.devices.map((d) => [d.device, d.restored])).toEqual([[seeded.rootDevice, true], ['/dev/sdf', true], ['/dev/sdg', true]]);
    for (const [device, volumeId] of Object.entries(seeded.volumes)) {
      expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId).toBe(volumeId);
    }
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    expect(endOf(execution, 5)).toEqual([States.finishRollback, States.routeRollbackOutcome, States.rolledBack, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
  });

  it('goes on past a device that stays busy: the others restored, FinishRollback reports each, RollbackFailedError', async () => {
    // GIVEN the second swap fails, and /dev/sdf's original can never be reattached
    const seeded = await server('rollback-persistent');
    const sdf = seeded.volumes['/dev/sdf'] as string;
    const alwaysBusy: FailCalls = { command: 'AttachVolume', match: { VolumeId: sdf }, errorName: 'IncorrectState', message: 'stuck (injected)' };

    // WHEN
    const execution = await h.run(apply(seeded), { faults: { failCall: SECOND_ATTACH_FAILS, failCalls: [alwaysBusy] } });

    // THEN the execution ends RollbackFailedError through the lock release, after FinishRollback
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RollbackFailedError');
    expect(endOf(execution, 5)).toEqual([States.finishRollback, States.routeRollbackOutcome, States.rollbackIncomplete, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
    // every device was attempted: the busy one after its retries, then the next
    expect(retriesOf(execution, States.rollbackVolume)).toBe(5);
    expect(statesEntered(execution).filter((s) => s === States.rollbackVolumeFailed)).toHaveLength(1);
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.outcome).toBe('ROLLBACK_INCOMPLETE');
    expect(report.error).toEqual({ Error: 'IncorrectState', Cause: 'Volume is in an incorrect state (injected)' });
    const byDevice = Object.fromEntries(report.devices.map((d) => [d.device, d]));
    expect(byDevice[seeded.rootDevice]).toMatchObject({ originalVolumeId: seeded.rootVolumeId, restored: true, attachedNow: { volumeId: seeded.rootVolumeId, instanceId: seeded.instanceId } });
    expect(byDevice['/dev/sdg']).toMatchObject({ originalVolumeId: seeded.volumes['/dev/sdg'], restored: true });
    expect(byDevice['/dev/sdf']).toEqual({
      device: '/dev/sdf', originalVolumeId: sdf, newVolumeId: expect.stringMatching(/^vol-/), newVolumeAttachedTo: null,
      attachedNow: null, originalAttachedTo: null, deleteOnTermination: { expected: true }, restored: false,
      error: { Error: 'IncorrectState', Cause: 'stuck (injected)' },
      whatToDo: `attach ${sdf} at /dev/sdf of ${seeded.instanceId}; then set DeleteOnTermination=true for /dev/sdf`,
    });
    // the instance is left stopped (a device is missing), and the report says what to do
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('stopped');
    expect(report.instance).toMatchObject({ stateBefore: 'running', stateNow: 'stopped', restored: false });
    expect(report.whatToDo).toEqual([`/dev/sdf: ${byDevice['/dev/sdf']?.whatToDo}`, report.instance.whatToDo]);
    // the account agrees with the report
    expect((await volumeAt(h.seeder, seeded.instanceId, seeded.rootDevice)).volume.VolumeId).toBe(seeded.rootVolumeId);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdg')).volume.VolumeId).toBe(seeded.volumes['/dev/sdg']);
    await expect(volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).rejects.toThrow('nothing attached at /dev/sdf');
    expect((await describeVolume(h.seeder, sdf)).State).toBe('available');
  });

  it('finds a volume created after rollback first read the account, tags it rolled back and reports it', async () => {
    // GIVEN one CreateVolume fails (the Map fails) while the other is still in flight and lands after the cleanup's first find
    const seeded = await h.seeder.createInstance({ name: 'in-flight', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const faults = {
      landsLate: { command: 'CreateVolume', nth: 1 },
      failCalls: [{ command: 'CreateVolume', from: 2, to: 2, errorName: 'InsufficientVolumeCapacity', message: 'no capacity (injected)' }],
    };

    // WHEN
    const execution = await h.run(apply(seeded), { faults });

    // THEN the run rolled back, and the late volume was found by the settle loop, kept, tagged and reported
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    expect(execution.faults.injected.map((f) => f.fault)).toEqual(expect.arrayContaining(['lands-late', 'fail']));
    expect(execution.faults.injected.map((f) => f.fault)).not.toContain('hold-gave-up');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    const lateVolumes = report.cleanup.tagged.filter((id) => id.startsWith('vol-'));
    expect(lateVolumes).toHaveLength(1);
    expect(report.cleanup.kept).toEqual(expect.arrayContaining(lateVolumes));
    const late = await describeVolume(h.seeder, lateVolumes[0] as string);
    expect(late).toMatchObject({ State: 'available', Encrypted: true });
    expect(tag(late.Tags, 'remediation:rolled-back')).toBe('true');
    expect(tag(late.Tags, 'remediation:retain-until')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // it took more than one round: the first find did not see it
    expect(statesEntered(execution).filter((s) => s === States.cleanupAfterRollback).length).toBeGreaterThanOrEqual(3);
    // no unencrypted snapshot is left; the encrypted ones are kept and marked
    expectEach(await snapshotsOf(h.seeder, execution.name), (s) => s.Encrypted === true && tag(s.Tags, 'remediation:rolled-back') === 'true');
    expect(report.devices.every((d) => d.restored)).toBe(true);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });
});

describe('capacity at the restart', () => {
  const capacity = (to?: number): FailCalls => ({
    command: 'StartInstances', from: 1, ...(to ? { to } : {}), errorName: 'InsufficientInstanceCapacity', message: 'no capacity in us-east-1a (injected)',
  });

  it('retries a start that meets no capacity for a while, and succeeds', async () => {
    // GIVEN
    const seeded = await h.seeder.createInstance({ name: 'capacity-transient', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    // WHEN the first three starts find no capacity
    const execution = await h.run(apply(seeded), { faults: { failCalls: [capacity(3)] } });

    // THEN
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    expect(retriesOf(execution, States.startInstance)).toBe(3);
    expect(statesEntered(execution)).not.toContain(States.rollbackVolumes);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
  });

  it('keeps a verified swap when the start keeps failing: InstanceNotRestartedError, volumes encrypted, originals retained, instance stopped, no unencrypted snapshot', async () => {
    // GIVEN
    const seeded = await h.seeder.createInstance({ name: 'capacity-persistent', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    // WHEN no start ever finds capacity
    const execution = await h.run(apply(seeded), { faults: { failCalls: [capacity()] } });

    // THEN
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InstanceNotRestartedError');
    expect(execution.faults.callLog.filter((c) => c === 'ec2:StartInstances')).toHaveLength(8);
    const path = statesEntered(execution);
    expect(path).not.toContain(States.rollbackVolumes);
    expect(path.slice(-4)).toEqual([States.describeNotRestarted, States.instanceNotRestarted, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
    const report = JSON.parse(execution.cause as string) as Report;
    expect(report.notRestarted).toMatchObject({
      instanceId: seeded.instanceId, instanceState: 'stopped', volumesEncryptedAndVerified: true,
      error: { Error: 'InsufficientInstanceCapacity', Cause: 'no capacity in us-east-1a (injected)' },
    });
    expect(report.notRestarted?.originalsRetained.sort()).toEqual([seeded.rootVolumeId, seeded.volumes['/dev/sdf']].sort());
    expect(report.verification?.devices.length).toBe(2);
    // the account: encrypted volumes attached, originals retained and tagged, instance stopped
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('stopped');
    for (const device of [seeded.rootDevice, '/dev/sdf']) {
      const now = await volumeAt(h.seeder, seeded.instanceId, device);
      expect(now.volume.Encrypted).toBe(true);
      const original = await describeVolume(h.seeder, seeded.volumes[device] as string);
      expect(original.State).toBe('available');
      expect(tag(original.Tags, 'remediation:replaced-by')).toBe(now.volume.VolumeId);
      expect(tag(original.Tags, 'remediation:retain-until')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // the success cleanup ran: one encrypted copy per volume, nothing unencrypted
    const left = await snapshotsOf(h.seeder, execution.name);
    expect(left.map((s) => [s.Encrypted, tag(s.Tags, 'remediation:phase')])).toEqual([[true, 'final-encrypted'], [true, 'final-encrypted']]);
    expect(report.cleanup?.deleted).toHaveLength(6);
  });
});
