import { States } from '../../workflows/encrypt-volumes';
import type { Report } from '../../tasks/ebs/build-report';
import { describeVolume, expectBefore, expectEach, mutatingCalls, snapshotsOf, startHarness, statesEntered, tag, volumeAt, withLockCalls, type Harness } from './harness';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/workflow-test');
});
afterAll(() => h.moto.stop());

const webServer = (name: string, state: 'running' | 'stopped' = 'running') =>
  h.seeder.createInstance({
    name,
    state,
    kmsKeyArn: keyArn,
    dataVolumes: [
      { device: '/dev/sdf', sizeGiB: 100, volumeType: 'gp3', iops: 4000, throughput: 250, tags: [{ Key: 'app', Value: 'billing' }] },
      { device: '/dev/sdg', sizeGiB: 20, volumeType: 'gp3', encrypted: true },
    ],
  });

describe('encrypt-volumes on a running instance (copy strategy)', () => {
  it('swaps root and data volumes for encrypted copies, keeps every property, restarts, and keeps the originals', async () => {
    // GIVEN a running instance with an unencrypted gp2 root, a tuned gp3 data volume and an encrypted volume
    const seeded = await webServer('web-copy');
    const before = await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf');

    // WHEN
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: 'alias/workflow-test' });

    // THEN the run succeeded with a report of what changed
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as Report;
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.actions.filter((a) => a.action === 'replace-volume').map((a) => a.resourceId).sort())
      .toEqual([seeded.rootVolumeId, seeded.volumes['/dev/sdf']].sort());
    // every unencrypted device now holds an encrypted volume with the requested key and the original's properties
    const root = await volumeAt(h.seeder, seeded.instanceId, seeded.rootDevice);
    expect(root.volume).toMatchObject({ Encrypted: true, KmsKeyId: keyArn, Size: 8, VolumeType: 'gp2', AvailabilityZone: 'us-east-1a' });
    expect(root.deleteOnTermination).toBe(true);
    const data = await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf');
    expect(data.volume).toMatchObject({ Encrypted: true, KmsKeyId: keyArn, Size: 100, VolumeType: 'gp3', Iops: 4000, Throughput: 250, MultiAttachEnabled: false });
    expect(tag(data.volume.Tags, 'app')).toBe('billing');
    expect(tag(data.volume.Tags, 'remediation:execution')).toBe(execution.name);
    expect(data.deleteOnTermination).toBe(before.deleteOnTermination);
    // the already-encrypted volume was not touched
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdg')).volume.VolumeId).toBe(seeded.volumes['/dev/sdg']);
    // the instance is running again
    expect(data.instance.State?.Name).toBe('running');
    // originals are kept, detached, and point at their replacements and where they went (expire-retained checks both)
    for (const device of [seeded.rootDevice, '/dev/sdf']) {
      const original = await describeVolume(h.seeder, seeded.volumes[device] as string);
      const replacement = (await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId;
      expect(original.State).toBe('available');
      expect(tag(original.Tags, 'remediation:replaced-by')).toBe(replacement);
      expect(tag(original.Tags, 'remediation:replaced-on')).toBe(`${seeded.instanceId}:${device}`);
      expect(tag(original.Tags, 'remediation:workflow')).toBe('encrypt-volumes');
      // 30 days (the default retention.days) on, UTC (either side of a midnight the run may have crossed)
      const in30Days = (at: number) => new Date(at + 30 * 86_400_000).toISOString().slice(0, 10);
      expect([in30Days(Date.parse(execution.startDate)), in30Days(Date.now())]).toContain(tag(original.Tags, 'remediation:retain-until'));
    }
    // only the encrypted final copies remain as backups; intermediates were removed after verify
    const remaining = await snapshotsOf(h.seeder, execution.name);
    expect(remaining.map((s) => tag(s.Tags, 'remediation:phase'))).toEqual(['final-encrypted', 'final-encrypted']);
    expectEach(remaining, (s) => s.Encrypted === true && s.KmsKeyId === keyArn);
    // each new volume was restored from the encrypted copy of a snapshot taken after the stop
    expect(remaining.map((s) => s.SnapshotId).sort()).toEqual([root.volume.SnapshotId, data.volume.SnapshotId].sort());
    const path = statesEntered(execution);
    expectBefore(path, States.preCopySnapshots, States.stopInstance);
    expectBefore(path, States.checkInstanceStopped, States.finalSnapshots);
    expectBefore(path, States.verifySwap, States.startInstance);
    expect(report.verification?.blockComparisons.map((c) => [c.status, c.method])).toEqual([['matched', 'changed'], ['matched', 'changed']]);
    // the full listing ran before the stop; inside the window only the changed blocks were listed
    const calls = execution.faults.callLog;
    const window = calls.slice(calls.indexOf('ec2:StopInstances'), calls.indexOf('ec2:StartInstances'));
    expectBefore(path, States.comparePreCopyPair, States.stopInstance);
    expect(calls.slice(0, calls.indexOf('ec2:StopInstances'))).toContain('ebs:ListSnapshotBlocks');
    expect(window).not.toContain('ebs:ListSnapshotBlocks');
    expect(window.filter((c) => c === 'ebs:ListChangedBlocks')).toHaveLength(4);
  });

  it('re-run after success finds nothing to do', async () => {
    const seeded = await webServer('web-rerun');
    expect((await h.run({ instanceId: seeded.instanceId, allowStop: true })).status).toBe('SUCCEEDED');

    const again = await h.run({ instanceId: seeded.instanceId, allowStop: true });

    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));
  });
});

describe('encrypt-volumes variants', () => {
  it('direct strategy encrypts while restoring the final snapshot, without snapshot copies', async () => {
    const seeded = await webServer('web-direct');

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, strategy: 'direct', kmsKeyId: keyArn });

    expect(execution.status).toBe('SUCCEEDED');
    const path = statesEntered(execution);
    expect(path).not.toContain(States.copyPreCopySnapshot);
    expect(path).not.toContain(States.copyFinalSnapshot);
    expect(path).toContain(States.createEncryptedVolume);
    expect(execution.faults.callLog).not.toContain('ec2:CopySnapshot');
    const data = await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf');
    expect(data.volume).toMatchObject({ Encrypted: true, KmsKeyId: keyArn, Iops: 4000, Throughput: 250 });
    const report = execution.output as Report;
    expect(report.verification?.blockComparisons.map((c) => c.status)).toEqual(['skipped', 'skipped']);
    expect(data.instance.State?.Name).toBe('running');
  });

  it('a stopped instance is swapped without a pre-copy and stays stopped', async () => {
    const seeded = await webServer('web-stopped', 'stopped');

    const execution = await h.run({ instanceId: seeded.instanceId, kmsKeyId: keyArn });

    expect(execution.status).toBe('SUCCEEDED');
    const path = statesEntered(execution);
    for (const state of [States.preCopySnapshots, States.stopInstance, States.startInstance]) expect(path).not.toContain(state);
    const root = await volumeAt(h.seeder, seeded.instanceId, seeded.rootDevice);
    expect(root.volume.Encrypted).toBe(true);
    expect(root.instance.State?.Name).toBe('stopped');
    expect(execution.faults.callLog).not.toContain('ec2:StartInstances');
    // no pre-copy pair: the final pair is compared in full
    expect((execution.output as Report).verification?.blockComparisons.map((c) => [c.status, c.method])).toEqual([['matched', 'full'], ['matched', 'full']]);
  });

  it('volumeIds limits the work to the listed volumes', async () => {
    const seeded = await webServer('web-subset');

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn, volumeIds: [seeded.volumes['/dev/sdf']] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
    const root = await volumeAt(h.seeder, seeded.instanceId, seeded.rootDevice);
    expect(root.volume.VolumeId).toBe(seeded.rootVolumeId);
    expect(root.volume.Encrypted).toBe(false);
  });

  it('an instance whose volumes are all encrypted needs no action, whatever allowStop says', async () => {
    const seeded = await h.seeder.createInstance({ name: 'web-done', kmsKeyArn: keyArn, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 5, volumeType: 'gp3', encrypted: true }] });

    const execution = await h.run({ instanceId: seeded.instanceId, volumeIds: [seeded.volumes['/dev/sdf']] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance'));
  });

  it('plan mode reports what apply would do and changes nothing', async () => {
    const seeded = await webServer('web-plan');

    const execution = await h.run({ instanceId: seeded.instanceId, mode: 'plan' });

    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as Report;
    expect(report.outcome).toBe('PLANNED');
    expect(report.plan.needsStop).toBe(true);
    expect(report.plan.volumes).toEqual(expect.arrayContaining([
      { volumeId: seeded.rootVolumeId, device: seeded.rootDevice, sizeGiB: 8, volumeType: 'gp2' },
      { volumeId: seeded.volumes['/dev/sdf'], device: '/dev/sdf', sizeGiB: 100, volumeType: 'gp3' },
    ]));
    expect(report.plan.volumes).toHaveLength(2);
    expect(mutatingCalls(execution)).toEqual([]);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });
});
