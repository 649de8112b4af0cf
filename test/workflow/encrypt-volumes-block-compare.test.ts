import type { RollbackReport } from '../../tasks/ebs/finish-rollback';
import type { Report } from '../../tasks/ebs/build-report';
import { States } from '../../workflows/encrypt-volumes';
import { snapshotsOf, startHarness, statesEntered, tag, volumeAt, type Harness } from './harness';

// Two pages per invocation (the stack sets 2,000), so the continuation loop runs several rounds here.
process.env.BLOCK_COMPARE_PAGES_PER_INVOCATION = '2';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/block-compare-test');
});
afterAll(() => h.moto.stop());

const server = (name: string) => h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

describe('encrypt-volumes block comparisons (EBS direct APIs, emulated)', () => {
  it('pages across several invocations per volume when EBS answers short pages, then swaps', async () => {
    const seeded = await server('short-pages');

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { blockPageSize: 3 } });

    expect(execution.status).toBe('SUCCEEDED');
    const path = statesEntered(execution);
    // more rounds than volumes: the Choice sent the task round again while `pending`
    expect(path.filter((s) => s === States.comparePreCopyPair).length).toBeGreaterThan(2);
    expect(path.filter((s) => s === States.routePreCopyPair).length).toBe(path.filter((s) => s === States.comparePreCopyPair).length);
    const comparisons = (execution.output as Report).verification?.blockComparisons ?? [];
    expect(comparisons.map((c) => [c.status, c.method])).toEqual([['matched', 'changed'], ['matched', 'changed']]);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
  });

  it('a pre-copy copy that lacks a block fails before the stop: nothing stopped or swapped, intermediates cleaned up', async () => {
    const seeded = await server('pre-copy-mismatch');

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { copyLosesBlock: 'pre-copy-encrypted' } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.error.Error).toBe('VerificationFailedError');
    expect(report.error.Cause).toMatch(/^\/dev\/[a-z0-9]+ pre-copy written blocks differ at block \d+: source \d+, encrypted copy none$/);
    expect(execution.faults.callLog).not.toContain('ec2:StopInstances');
    expect(statesEntered(execution)).not.toContain(States.stopInstance);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    for (const [device, volumeId] of Object.entries(seeded.volumes)) expect((await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId).toBe(volumeId);
    // the unencrypted pre-copy snapshots are deleted; the encrypted copies are kept, marked rolled back
    const left = await snapshotsOf(h.seeder, execution.name);
    expect(left.map((s) => [s.Encrypted, tag(s.Tags, 'remediation:phase'), tag(s.Tags, 'remediation:rolled-back')])).toEqual([
      [true, 'pre-copy-encrypted', 'true'], [true, 'pre-copy-encrypted', 'true'],
    ]);
  });

  it('a final copy that lacks a block fails the changed-block comparison in the window and rolls back before any swap', async () => {
    const seeded = await server('final-mismatch');

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { copyLosesBlock: 'final-encrypted' } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    const report = JSON.parse(execution.cause as string) as RollbackReport;
    expect(report.error.Error).toBe('VerificationFailedError');
    expect(report.error.Cause).toMatch(/final changed blocks differ at block \d+/);
    expect(statesEntered(execution)).not.toContain(States.swapVolumes);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });
});
