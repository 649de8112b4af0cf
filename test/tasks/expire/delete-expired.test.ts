import { DeleteSnapshotCommand, DeleteVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/expire/delete-expired';
import { judge } from '../../../tasks/expire/lib/judge';
import type { AccountView } from '../../../tasks/expire/lib/account';
import type { ExpiryPlan } from '../../../tasks/expire/lib/types';
import { awsError, freezeTime } from '../fixtures';
import { INSTANCE, NOW, ORIGINAL, REPLACEMENT, attachedAt, retained, safeOriginal, snap, vol } from './fixtures';

const ec2 = mockClient(EC2Client);
const ROLLED_BACK_SNAPSHOT = 'snap-0rolledback00001';
const LIVE = 'vol-0live00000000001';

/** The original of fixtures.safeOriginal, and a rolled-back snapshot of a volume back in place: both may go. */
function account(overrides: Parameters<typeof safeOriginal>[0] = {}): AccountView {
  const view = safeOriginal(overrides);
  const s = snap(ROLLED_BACK_SNAPSHOT, { Tags: retained({ 'remediation:rolled-back': 'true', 'remediation:source-volume': LIVE }) });
  return { ...view, retainedSnapshots: [s], relatedVolumes: [...view.relatedVolumes, vol(LIVE, 'in-use')], lineageSnapshots: [...view.lineageSnapshots, s] };
}
/** EC2 answers every find with this account (mocked per filter name). */
function given(view: AccountView): void {
  ec2.on(DescribeVolumesCommand).callsFake(({ Filters }: { Filters: { Name: string; Values: string[] }[] }) => {
    const f = Filters[0]!;
    if (f.Name === 'tag-key') return { Volumes: view.retainedVolumes };
    return { Volumes: view.relatedVolumes.filter((v) => f.Values.includes(v.VolumeId as string)) };
  });
  ec2.on(DescribeSnapshotsCommand).callsFake(({ Filters }: { Filters: { Name: string; Values: string[] }[] }) => {
    const f = Filters[0]!;
    if (f.Name === 'tag-key') return { Snapshots: view.retainedSnapshots };
    if (f.Name === 'snapshot-id') return { Snapshots: view.lineageSnapshots.filter((s) => f.Values.includes(s.SnapshotId as string)) };
    return { Snapshots: view.lineageSnapshots };
  });
}
const planOf = (view: AccountView): ExpiryPlan => ({ ...judge(view, NOW), outcome: 'PROCEED', region: 'us-east-1', checkedAt: NOW.toISOString() });

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('delete-expired', () => {
  it('deletes each planned resource that is still safe on the re-read', async () => {
    const view = account();
    given(view);
    ec2.on(DeleteVolumeCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});

    const out = await handler({ plan: planOf(view) });

    expect(out).toEqual({
      deleted: [
        { resourceId: ROLLED_BACK_SNAPSHOT, resourceType: 'snapshot', result: 'deleted', at: NOW.toISOString() },
        { resourceId: ORIGINAL, resourceType: 'volume', result: 'deleted', at: NOW.toISOString() },
      ],
      refused: [],
    });
    expect(ec2).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: ORIGINAL });
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: ROLLED_BACK_SNAPSHOT });
  });

  it.each([
    ['attached again', { original: { State: 'in-use' as const, Attachments: attachedAt(INSTANCE, '/dev/sdf') } },
      `is in-use (attached to ${INSTANCE} at /dev/sdf): only a detached original is deleted`],
    ['its replacement gone', { replacement: { VolumeId: 'vol-0other0000000001' } }, `its replacement ${REPLACEMENT} no longer exists`],
    ['put on hold', { original: { Tags: retained({ 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf`, 'remediation:hold': 'true' }) } },
      'tagged remediation:hold=true: kept until a person removes the hold'],
  ])('refuses an original %s since the plan, with today\'s reason, and deletes the rest', async (_change, change, reason) => {
    const plan = planOf(account());
    given(account(change));
    ec2.on(DeleteSnapshotCommand).resolves({});

    const out = await handler({ plan });

    expect(out.refused.map((r) => [r.resourceId, r.reason])).toEqual([[ORIGINAL, `changed since the plan: ${reason}`]]);
    expect(out.deleted.map((d) => d.resourceId)).toEqual([ROLLED_BACK_SNAPSHOT]);
    expect(ec2).not.toHaveReceivedCommand(DeleteVolumeCommand);
  });

  it('counts what is gone before its delete as done, and refuses what lost its retain-until since the plan', async () => {
    const plan = planOf(account());
    const now = account();
    now.retainedVolumes = [];
    now.relatedVolumes = now.relatedVolumes.filter((v) => v.VolumeId !== ORIGINAL);
    now.retainedSnapshots = [];
    given(now);

    const out = await handler({ plan });

    expect(out.deleted).toEqual([
      { resourceId: ORIGINAL, resourceType: 'volume', result: 'already-gone', at: NOW.toISOString() },
    ]);
    expect(out.refused).toEqual([{
      resourceId: ROLLED_BACK_SNAPSHOT, resourceType: 'snapshot', kind: 'kept-snapshot', retainUntil: '2026-02-01',
      reason: 'changed since the plan: its retention no longer passed (retain-until removed or moved later)',
    }]);
    expect(ec2).not.toHaveReceivedCommand(DeleteVolumeCommand);
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
  });

  it('counts NotFound on the delete as done, reports EC2\'s refusal of one and goes on with the others', async () => {
    const view = account();
    given(view);
    ec2.on(DeleteVolumeCommand).rejects(awsError('InvalidVolume.NotFound'));
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.InUse', 'The snapshot is currently in use by ami-0123'));

    const out = await handler({ plan: planOf(view) });

    expect(out.deleted.map((d) => [d.resourceId, d.result])).toEqual([[ORIGINAL, 'already-gone']]);
    expect(out.refused.map((r) => [r.resourceId, r.reason])).toEqual([
      [ROLLED_BACK_SNAPSHOT, 'EC2 refused the delete: InvalidSnapshot.InUse: The snapshot is currently in use by ami-0123'],
    ]);
  });

  it('throws throttling for the state\'s Retry, which re-reads everything', async () => {
    const view = account();
    given(view);
    ec2.on(DeleteVolumeCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(handler({ plan: planOf(view) })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });

  it('a re-run after the deletes finds them gone and deletes nothing again', async () => {
    const plan = planOf(account());
    given({ retainedVolumes: [], retainedSnapshots: [], relatedVolumes: [], lineageSnapshots: [] });

    const out = await handler({ plan });

    expect(out.deleted.map((d) => d.result)).toEqual(['already-gone', 'already-gone']);
    expect(ec2).not.toHaveReceivedCommand(DeleteVolumeCommand);
  });
});
