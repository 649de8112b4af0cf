import type { RollbackReport } from '../../tasks/ebs/finish-rollback';
import type { Report } from '../../tasks/ebs/build-report';
import { States } from '../../workflows/encrypt-volumes';
import { describeVolume, expectEach, snapshotsOf, startHarness, statesEntered, tag, volumeAt, type Harness } from './harness';
import type { SeededInstance } from '../../local/seed';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/fault-test');
});
afterAll(() => h.moto.stop());

const DATA_DEVICES = ['/dev/sdf', '/dev/sdg', '/dev/sdh'];
const threeVolumeServer = (name: string) =>
  h.seeder.createInstance({
    name,
    dataVolumes: [
      { device: '/dev/sdf', sizeGiB: 50, volumeType: 'gp3', iops: 3500, throughput: 200, deleteOnTermination: true },
      { device: '/dev/sdg', sizeGiB: 20, volumeType: 'io2', iops: 1000 },
      { device: '/dev/sdh', sizeGiB: 500, volumeType: 'st1' },
    ],
  });

/** Every original is back at its device with its DeleteOnTermination, and none was deleted or left pointing at a replacement. */
async function expectOriginalsRestored(seeded: SeededInstance, deleteOnTermination: Record<string, boolean>) {
  for (const [device, volumeId] of Object.entries(seeded.volumes)) {
    const now = await volumeAt(h.seeder, seeded.instanceId, device);
    expect(now.volume.VolumeId).toBe(volumeId);
    expect(now.volume.Encrypted).toBe(false);
    expect(now.deleteOnTermination).toBe(deleteOnTermination[device]);
    // none of the swap's retention tags is left (expire-retained must not take a restored original for a retained one)
    for (const key of ['remediation:replaced-by', 'remediation:retain-until', 'remediation:replaced-on', 'remediation:workflow']) expect(tag(now.volume.Tags, key)).toBeUndefined();
  }
}

describe('slow AWS: polls wait, then continue', () => {
  it('waits while snapshots stay pending for several polls', async () => {
    const seeded = await h.seeder.createInstance({ name: 'slow', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { snapshotPendingPolls: 3 } });

    expect(execution.status).toBe('SUCCEEDED');
    const path = statesEntered(execution);
    expect(path.filter((s) => s === States.waitPreCopySnapshots)).toHaveLength(3);
    expect(path.filter((s) => s === States.checkPreCopySnapshots)).toHaveLength(4);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
  });

  it('absorbs throttling of every API once through the state machine Retry', async () => {
    const seeded = await h.seeder.createInstance({ name: 'throttled', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { throttleEachCallOnce: true } });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    const throttled = execution.faults.injected.filter((f) => f.fault === 'throttle').map((f) => f.command);
    expect(throttled).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:CreateSnapshot', 'ec2:CopySnapshot', 'ec2:StopInstances', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:StartInstances']));
    const retried = execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state);
    expect(retried).toEqual(expect.arrayContaining([States.preflight, States.createPreCopySnapshot, States.stopInstance, States.swapVolume, States.startInstance]));
    // one encrypted backup per volume (root and data)
    expect((await snapshotsOf(h.seeder, execution.name)).map((s) => tag(s.Tags, 'remediation:phase'))).toEqual(['final-encrypted', 'final-encrypted']);
  });

  it('is idempotent when a create call took effect but its answer was lost', async () => {
    const seeded = await h.seeder.createInstance({ name: 'lost-answers', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const faults = { failAfterSuccessOnce: ['CreateSnapshot', 'CopySnapshot', 'CreateVolume'] };

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected.map((f) => f.command)).toEqual(['ec2:CreateSnapshot', 'ec2:CopySnapshot', 'ec2:CreateVolume']);
    // the retried tasks found what the first attempt created: one snapshot per volume and phase, one new volume per original (root and data)
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CreateVolume')).toHaveLength(2);
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CreateSnapshot')).toHaveLength(4);
    expect((await snapshotsOf(h.seeder, execution.name)).map((s) => tag(s.Tags, 'remediation:phase'))).toEqual(['final-encrypted', 'final-encrypted']);
    const replacements = (await h.seeder.describe(seeded.instanceId)).BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId);
    expect(replacements).not.toContain(seeded.volumes['/dev/sdf']);
  });

  it('leaves no duplicate (and no orphan unencrypted snapshot) when a snapshot create took effect but no answer came back', async () => {
    const seeded = await h.seeder.createInstance({ name: 'no-answer', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const faults = { noAnswerAfterSuccessOnce: ['CreateSnapshot', 'CopySnapshot'] };

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected.map((f) => [f.fault, f.command])).toEqual([['no-answer', 'ec2:CreateSnapshot'], ['no-answer', 'ec2:CopySnapshot']]);
    // the task sent each create once; the state machine retried AnswerLostError and the retry found the first one by tag
    const retried = execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state);
    expect(retried).toEqual([States.createPreCopySnapshot, States.copyPreCopySnapshot]);
    // two volumes (root and data) x two phases, each created once
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CreateSnapshot')).toHaveLength(4);
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CopySnapshot')).toHaveLength(4);
    expect((await snapshotsOf(h.seeder, execution.name)).map((s) => tag(s.Tags, 'remediation:phase'))).toEqual(['final-encrypted', 'final-encrypted']);
  });
});

describe('failures roll back', () => {
  it('rolls back when a poll budget runs out, before any swap', async () => {
    const seeded = await h.seeder.createInstance({ name: 'stuck', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { snapshotsNeverComplete: true } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.error.Error).toBe('PollBudgetExceededError');
    expect(statesEntered(execution)).not.toContain(States.stopInstance);
    await expectOriginalsRestored(seeded, { [seeded.rootDevice]: true, '/dev/sdf': false });
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    // the unencrypted pre-copy snapshots are deleted (the originals hold the data): nothing is left
    expect(report.cleanup.deleted).toHaveLength(2);
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
  });

  it('rolls back when a snapshot ends in state error, reporting which one', async () => {
    const seeded = await h.seeder.createInstance({ name: 'snapshot-error', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { snapshotsFail: true } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.error.Error).toBe('SnapshotFailed');
    expect(report.error.Cause).toMatch(/^snapshot snap-[0-9a-f]+ failed: Snapshot failed \(injected\)$/);
    expect(statesEntered(execution)).not.toContain(States.stopInstance);
    await expectOriginalsRestored(seeded, { [seeded.rootDevice]: true, '/dev/sdf': false });
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    expect(report.cleanup.deleted).toHaveLength(2);
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
  });

  it('rolls back a failure at the attach of the second volume: originals back, instance running, nothing deleted', async () => {
    // GIVEN a running instance with a root and three data volumes; EC2 refuses the second replacement's attach
    const seeded = await threeVolumeServer('mid-swap');
    const failCall = { command: 'AttachVolume', nth: 2, errorName: 'IncorrectState', message: 'Volume is in an incorrect state (injected)' };

    // WHEN
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { failCall } });

    // THEN the execution failed with the rollback report as its cause
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report).toMatchObject({ workflow: 'encrypt-volumes', target: seeded.instanceId, outcome: 'ROLLED_BACK', error: { Error: 'IncorrectState' } });
    // every original is attached at its device again with DeleteOnTermination as before
    await expectOriginalsRestored(seeded, { [seeded.rootDevice]: true, '/dev/sdf': true, '/dev/sdg': false, '/dev/sdh': false });
    // the instance is back in its prior state
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    // no swap started after the failed one: Step Functions stops the Map's queued iterations
    const swapIterations = new Set(execution.events.filter((e) => e.state === States.swapVolume).map((e) => e.index));
    expect(swapIterations.size).toBe(2);
    // the unencrypted snapshots are deleted; every encrypted copy and new volume is kept, marked rolled back with an expiry; no volume was deleted
    const left = await snapshotsOf(h.seeder, execution.name);
    expectEach(left, (s) => s.Encrypted === true && tag(s.Tags, 'remediation:rolled-back') === 'true' && tag(s.Tags, 'remediation:retain-until') !== undefined);
    expect(left).toHaveLength(8);
    expect(report.cleanup.deleted).toHaveLength(8);
    expect(report.cleanup.tagged.filter((id) => id.startsWith('vol-'))).toHaveLength(4);
    expect(execution.faults.callLog).not.toContain('ec2:DeleteVolume');
    for (const volumeId of Object.values(seeded.volumes)) expect((await describeVolume(h.seeder, volumeId)).State).toBe('in-use');
    expectEach(DATA_DEVICES, (d) => seeded.volumes[d] !== undefined);
  });
});
