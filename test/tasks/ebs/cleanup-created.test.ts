import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, type Snapshot, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, type CleanupEvent, type CleanupResult } from '../../../tasks/ebs/cleanup-created';
import { EXECUTION_NAME, NOW, awsError, freezeTime, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const SOURCE = 'vol-0aaaaaaaaaaaaaaa1';
const NEW = 'vol-0ccccccccccccccc1';
const volume = volumeWork({
  volumeId: SOURCE, newVolumeId: NEW,
  preSnapshotId: 'snap-0000000000000pre', preCopyId: 'snap-00000000precopy', finalSnapshotId: 'snap-00000000000final', finalCopyId: 'snap-0000000finalcopy',
});
const snapshot = (id: string, phase: string, encrypted: boolean, state = 'completed'): Snapshot => ({
  SnapshotId: id, State: state as Snapshot['State'], Encrypted: encrypted,
  Tags: [{ Key: 'remediation:execution', Value: EXECUTION_NAME }, { Key: 'remediation:phase', Value: phase }, { Key: 'remediation:source-volume', Value: SOURCE }],
});
const ALL_FOUR = [
  snapshot('snap-0000000000000pre', 'pre-copy', false), snapshot('snap-00000000precopy', 'pre-copy-encrypted', true),
  snapshot('snap-00000000000final', 'final', false), snapshot('snap-0000000finalcopy', 'final-encrypted', true),
];
const newVolume = (id = NEW, state = 'in-use', tags: Volume['Tags'] = []): Volume => ({ VolumeId: id, State: state as Volume['State'], Tags: tags });
const cleanup = (after: CleanupEvent['after'], poll?: Partial<CleanupResult>) => handler({ executionName: EXECUTION_NAME, after, volumes: [volume], poll });
const deletedIds = () => ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId);
const RETAIN_UNTIL = '2026-03-31';
const executionFilter = { Filters: [{ Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] }] };

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
  ec2.on(DeleteSnapshotCommand).resolves({});
  ec2.on(CreateTagsCommand).resolves({});
});
afterEach(() => jest.useRealTimers());

describe('cleanup-created after success', () => {
  it('deletes the unencrypted snapshots and the pre-copy copy, keeps the final encrypted copy, and asks for one more find', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: ALL_FOUR });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [newVolume()] });

    // Act
    const out = await cleanup('success', {});

    // Assess
    expect(out).toMatchObject({
      status: 'pending', count: 1,
      deleted: ['snap-0000000000000pre', 'snap-00000000precopy', 'snap-00000000000final'], kept: ['snap-0000000finalcopy'], tagged: [], unsettled: [],
      seen: ['snap-0000000finalcopy', NEW],
    });
    expect(deletedIds()).toEqual(out.deleted);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], ...executionFilter });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, executionFilter);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it('is done when the next find agrees with the last, deleting nothing twice', async () => {
    // Prepare: the deleted snapshots are gone, or still listed for a moment
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000finalcopy', 'final-encrypted', true), snapshot('snap-0000000000000pre', 'pre-copy', false)] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [newVolume()] });
    const previous = {
      status: 'pending' as const, count: 1, startedAt: NOW.toISOString(), waitSeconds: 15, maxPolls: 20,
      deleted: ['snap-0000000000000pre'], kept: ['snap-0000000finalcopy'], tagged: [], unsettled: [], seen: ['snap-0000000finalcopy', NEW],
    };

    // Act
    const out = await cleanup('success', previous);

    // Assess
    expect(out).toMatchObject({ status: 'completed', count: 2, deleted: ['snap-0000000000000pre'], kept: ['snap-0000000finalcopy'] });
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
  });

  it('keeps exactly one encrypted copy per volume: a duplicate final copy (a lost answer) is deleted', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000finalcopy', 'final-encrypted', true), snapshot('snap-000000duplicate', 'final-encrypted', true)] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });

    // Act
    const out = await cleanup('success', {});

    // Assess
    expect(out).toMatchObject({ deleted: ['snap-000000duplicate'], kept: ['snap-0000000finalcopy'] });
  });

  it('with the direct strategy keeps no snapshot: every one is unencrypted', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-00000000000final', 'final', false)] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [newVolume()] });

    // Act
    const out = await handler({ executionName: EXECUTION_NAME, after: 'success', volumes: [{ ...volume, preCopyId: undefined, finalCopyId: undefined }], poll: {} });

    // Assess
    expect(out).toMatchObject({ deleted: ['snap-00000000000final'], kept: [] });
  });

  it('waits, changing nothing, while something is still being created', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [...ALL_FOUR, snapshot('snap-0000000inflight', 'final', false, 'pending')] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [newVolume(), newVolume('vol-0ccccccccccccccc9', 'creating')] });

    // Act
    const out = await cleanup('success', {});

    // Assess
    expect(out).toMatchObject({ status: 'pending', deleted: [], kept: [] });
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
  });

  it('on its last round reports what is still being created as unsettled instead of failing with PollBudgetExceededError', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000inflight', 'final', false, 'pending')] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });

    // Act
    const out = await cleanup('success', { status: 'pending', count: 19, startedAt: NOW.toISOString(), waitSeconds: 60, maxPolls: 20, deleted: [], kept: [], tagged: [], seen: [] });

    // Assess
    expect(out).toMatchObject({ status: 'completed', count: 20, unsettled: ['snap-0000000inflight'] });
  });

  it('treats a snapshot deleted by an earlier attempt as deleted', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000000000pre', 'pre-copy', false)] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.NotFound'));

    // Act
    const out = await cleanup('success', {});

    // Assess
    expect(out.deleted).toEqual(['snap-0000000000000pre']);
  });

  it.each([
    ['DescribeSnapshots', 'RequestLimitExceeded', () => ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DeleteSnapshot', 'RequestLimitExceeded', () => ec2.on(DeleteSnapshotCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DeleteSnapshot', 'UnauthorizedOperation', () => ec2.on(DeleteSnapshotCommand).rejects(awsError('UnauthorizedOperation'))],
  ])('lets a %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: ALL_FOUR });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    arrange();

    // Act / Assess
    await expect(cleanup('success', {})).rejects.toMatchObject({ name });
  });
});

describe('cleanup-created after rollback', () => {
  it('deletes the unencrypted snapshots, keeps and tags the encrypted ones and every new volume rolled-back with retain-until', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: ALL_FOUR });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [newVolume(NEW, 'available')] });

    // Act
    const out = await cleanup('rollback', {});

    // Assess
    expect(out).toMatchObject({
      status: 'pending',
      deleted: ['snap-0000000000000pre', 'snap-00000000000final'],
      kept: ['snap-00000000precopy', 'snap-0000000finalcopy', NEW],
      tagged: ['snap-00000000precopy', 'snap-0000000finalcopy', NEW],
    });
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['snap-00000000precopy', 'snap-0000000finalcopy', NEW],
      Tags: [{ Key: 'remediation:rolled-back', Value: 'true' }, { Key: 'remediation:retain-until', Value: RETAIN_UNTIL }],
    });
    expect(deletedIds()).toEqual(['snap-0000000000000pre', 'snap-00000000000final']);
  });

  it('finds a volume that landed after the first round (an iteration in flight) and tags it; done once two finds agree', async () => {
    // Prepare: round 1 saw nothing but one encrypted copy; round 2 sees a new volume too
    const LATE = 'vol-0ccccccccccccccc7';
    const tags = [{ Key: 'remediation:rolled-back', Value: 'true' }, { Key: 'remediation:retain-until', Value: RETAIN_UNTIL }];
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ ...snapshot('snap-0000000finalcopy', 'final-encrypted', true), Tags: tags }] });
    ec2.on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [newVolume(LATE, 'available')] })
      .resolves({ Volumes: [newVolume(LATE, 'available', tags)] });
    const round1 = {
      status: 'pending' as const, count: 1, startedAt: NOW.toISOString(), waitSeconds: 15, maxPolls: 20,
      deleted: [], kept: ['snap-0000000finalcopy'], tagged: ['snap-0000000finalcopy'], unsettled: [], seen: ['snap-0000000finalcopy'],
    };

    // Act
    const round2 = await cleanup('rollback', round1);
    const round3 = await cleanup('rollback', round2);

    // Assess
    expect(round2).toMatchObject({ status: 'pending', kept: ['snap-0000000finalcopy', LATE], tagged: ['snap-0000000finalcopy', LATE] });
    expect(round3).toMatchObject({ status: 'completed', count: 3, tagged: ['snap-0000000finalcopy', LATE] });
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [LATE] });
  });

  it('tags in batches of 500 resources', async () => {
    // Prepare
    const volumes = Array.from({ length: 501 }, (_, i) => newVolume(`vol-${String(i).padStart(17, '0')}`, 'available'));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: volumes });

    // Act
    await cleanup('rollback', {});

    // Assess
    const batches = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources ?? []);
    expect(batches.map((b) => b.length)).toEqual([500, 1]);
  });

  it('reads every page of snapshots', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [snapshot('snap-0000000000000pre', 'pre-copy', false)], NextToken: 'page-2' })
      .resolvesOnce({ Snapshots: [snapshot('snap-00000000000final', 'final', false)] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });

    // Act
    const out = await cleanup('rollback', {});

    // Assess
    expect(out.deleted).toEqual(['snap-0000000000000pre', 'snap-00000000000final']);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSnapshotsCommand, { NextToken: 'page-2' });
  });
});
