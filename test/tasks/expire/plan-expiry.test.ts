import { DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/expire/plan-expiry';
import { readAccount } from '../../../tasks/expire/lib/account';
import { freezeTime } from '../fixtures';
import { EXECUTION, KEPT_COPY, NOW, ORIGINAL, REPLACEMENT, retained, safeOriginal, snap, vol } from './fixtures';

const ec2 = mockClient(EC2Client);
const request = (mode: 'apply' | 'plan') => ({ mode, trigger: { source: 'console' as const } });

/** The account of fixtures.safeOriginal as EC2 answers each read. */
function givenSafeOriginal(): void {
  const view = safeOriginal();
  ec2.on(DescribeVolumesCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] }).resolves({ Volumes: view.retainedVolumes });
  ec2.on(DescribeVolumesCommand, { Filters: [{ Name: 'volume-id', Values: [ORIGINAL, REPLACEMENT] }] }).resolves({ Volumes: view.relatedVolumes });
  ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] }).resolves({ Snapshots: [] });
  ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [{ Name: 'tag:remediation:source-volume', Values: [ORIGINAL] }] }).resolves({ Snapshots: view.lineageSnapshots });
  ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [{ Name: 'tag-key', Values: ['remediation:case'] }] }).resolves({ Snapshots: [] });
}

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('plan-expiry', () => {
  it('in apply mode proceeds with what may go, reading only (no mutating call)', async () => {
    givenSafeOriginal();

    const plan = await handler({ request: request('apply'), execution: EXECUTION });

    expect(plan).toMatchObject({ outcome: 'PROCEED', region: 'us-east-1', checkedAt: NOW.toISOString(), refused: [], deferred: [], notYetDue: [] });
    expect(plan.delete.map((d) => d.resourceId)).toEqual([ORIGINAL]);
    expect(ec2.calls().map((c) => c.args[0].constructor.name).filter((n) => !/^Describe/.test(n))).toEqual([]);
  });

  it('in plan mode is PLANNED with the same list', async () => {
    givenSafeOriginal();

    const plan = await handler({ request: request('plan'), execution: EXECUTION });

    expect([plan.outcome, plan.delete.map((d) => d.resourceId)]).toEqual(['PLANNED', [ORIGINAL]]);
  });

  it('is NO_ACTION with nothing to delete, its refusals still listed', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [vol(ORIGINAL, 'in-use', { Tags: retained({ 'remediation:replaced-by': REPLACEMENT }) })] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });

    const plan = await handler({ request: request('apply'), execution: EXECUTION });

    expect([plan.outcome, plan.delete, plan.refused.map((r) => r.resourceId)]).toEqual(['NO_ACTION', [], [ORIGINAL]]);
  });

  it('lists at most 200 refusals and 100 not-yet-due, counting the rest in omitted', async () => {
    const refusedOnes = Array.from({ length: 203 }, (_, i) => vol(`vol-0r${String(i).padStart(15, '0')}`, 'in-use', { Tags: retained({ 'remediation:replaced-by': REPLACEMENT }) }));
    const notDue = Array.from({ length: 101 }, (_, i) => vol(`vol-0n${String(i).padStart(15, '0')}`, 'available', { Tags: retained({ 'remediation:retain-until': '2027-01-01' }) }));
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DescribeVolumesCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] }).resolves({ Volumes: [...refusedOnes, ...notDue] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });

    const plan = await handler({ request: request('apply'), execution: EXECUTION });

    expect([plan.refused.length, plan.notYetDue.length, plan.omitted]).toEqual([200, 100, { refused: 3, notYetDue: 1 }]);
  });
});

describe('readAccount', () => {
  it('reads every page of each find (own snapshots only)', async () => {
    const a = vol('vol-0a00000000000001', 'available');
    const b = vol('vol-0b00000000000001', 'available');
    ec2.on(DescribeVolumesCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] })
      .resolvesOnce({ Volumes: [a], NextToken: 'page-2' }).resolvesOnce({ Volumes: [b] });
    ec2.on(DescribeSnapshotsCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] })
      .resolvesOnce({ Snapshots: [snap('snap-01')], NextToken: 'page-2' }).resolvesOnce({ Snapshots: [snap(KEPT_COPY)] });
    // Forensic snapshots (remediation:case), with or without retain-until: each listed once.
    ec2.on(DescribeSnapshotsCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:case'] }] }).resolves({ Snapshots: [snap('snap-01'), snap('snap-0case')] });

    const view = await readAccount(new EC2Client({}));

    expect([view.retainedVolumes, view.retainedSnapshots.map((s) => s.SnapshotId)]).toEqual([[a, b], ['snap-01', KEPT_COPY, 'snap-0case']]);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], NextToken: 'page-2' });
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 2);
  });

  it('asks for related volumes and lineage snapshots 200 ids at a time', async () => {
    const volumes = Array.from({ length: 201 }, (_, i) => vol(`vol-0${String(i).padStart(16, '0')}`, 'available', {
      Tags: retained({ 'remediation:rolled-back': 'true', 'remediation:source-volume': `vol-1${String(i).padStart(16, '0')}` }),
    }));
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DescribeVolumesCommand, { Filters: [{ Name: 'tag-key', Values: ['remediation:retain-until'] }] }).resolves({ Volumes: volumes });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });

    await readAccount(new EC2Client({}));

    const sizes = (command: typeof DescribeVolumesCommand | typeof DescribeSnapshotsCommand, name: string) => ec2.commandCalls(command)
      .map((c) => c.args[0].input.Filters?.find((f) => f.Name === name)?.Values?.length).filter((n) => n !== undefined);
    expect(sizes(DescribeVolumesCommand, 'volume-id')).toEqual([200, 1]);
    expect(sizes(DescribeSnapshotsCommand, 'tag:remediation:source-volume')).toEqual([200, 1]);
  });
});
