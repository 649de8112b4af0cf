import { DescribeSnapshotsCommand, EC2Client, type Snapshot } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/check-snapshots';
import { PollBudgetExceededError, PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { NOW, awsError, freezeTime, pollState, volumeWork } from '../fixtures';
import { NOT_YET_VISIBLE_POLLS } from '../../../tasks/lib/polling';

const ec2 = mockClient(EC2Client);
const volumes = [
  volumeWork({ preSnapshotId: 'snap-0000000000000001', sizeGiB: 100 }),
  volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', preSnapshotId: 'snap-0000000000000002', sizeGiB: 200 }),
];
const snapshot = (id: string, State: Snapshot['State'], Progress?: string, StateMessage?: string): Snapshot =>
  ({ SnapshotId: id, State, Progress, StateMessage });
const after = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('check-snapshots', () => {
  it('reports completed once every snapshot is completed, asking for all in one call', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [snapshot('snap-0000000000000001', 'completed', '100%'), snapshot('snap-0000000000000002', 'completed', '100%')],
    });

    // Act
    const poll = await handler({ volumes, field: 'preSnapshotId' });

    // Assess: 300 GiB of work -> budget 12 + 3.
    expect(poll).toEqual({ status: 'completed', count: 1, startedAt: NOW.toISOString(), maxPolls: 15, waitSeconds: 15, progress: 100 });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: ['snap-0000000000000001', 'snap-0000000000000002'] });
  });

  it('waits longer on every poll while there is no progress', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000000000001', 'pending', '0%'), snapshot('snap-0000000000000002', 'pending', '0%')] });
    const first = await handler({ volumes, field: 'preSnapshotId' });
    jest.setSystemTime(after(15));

    // Act
    const second = await handler({ volumes, field: 'preSnapshotId', poll: first });
    const third = await handler({ volumes, field: 'preSnapshotId', poll: second });

    // Assess
    expect([first, second, third].map((p) => [p.status, p.count, p.waitSeconds])).toEqual([['pending', 1, 15], ['pending', 2, 30], ['pending', 3, 60]]);
    expect(third.startedAt).toBe(NOW.toISOString());
  });

  it('waits half the remaining time estimated from the slowest snapshot', async () => {
    // Prepare: started 600 s ago; the slowest is 40% done, so about 900 s remain.
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000000000001', 'pending', '90%'), snapshot('snap-0000000000000002', 'pending', '40%')] });
    jest.setSystemTime(after(600));

    // Act
    const poll = await handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: 2, maxPolls: 15 }) });

    // Assess
    expect(poll).toMatchObject({ status: 'pending', count: 3, progress: 40, waitSeconds: 450 });
  });

  it('clamps the estimated wait to the data profile bounds', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [snapshot('snap-0000000000000001', 'pending', '99%'), snapshot('snap-0000000000000002', 'completed', '100%')] })
      .resolvesOnce({ Snapshots: [snapshot('snap-0000000000000001', 'pending', '1%'), snapshot('snap-0000000000000002', 'pending', '1%')] });
    jest.setSystemTime(after(600));

    // Act
    const nearlyDone = await handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: 2 }) });
    const barelyStarted = await handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: 2 }) });

    // Assess
    expect(nearlyDone).toMatchObject({ status: 'pending', progress: 99, waitSeconds: 15 });
    expect(barelyStarted).toMatchObject({ status: 'pending', progress: 1, waitSeconds: 1800 });
  });

  it('reports error naming the snapshot that failed', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [snapshot('snap-0000000000000001', 'pending', '50%'), snapshot('snap-0000000000000002', 'error', '3%', 'internal error')],
    });

    // Act
    const poll = await handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: 4 }) });

    // Assess
    expect(poll).toMatchObject({
      status: 'error',
      count: 5,
      error: { Error: 'SnapshotFailed', Cause: 'snapshot snap-0000000000000002 failed: internal error' },
    });
  });

  it('throws PollBudgetExceededError when the last poll of the budget is still pending', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot('snap-0000000000000001', 'pending', '10%'), snapshot('snap-0000000000000002', 'completed', '100%')] });

    // Act
    const result = handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: 14, maxPolls: 15 }) });

    // Assess
    await expect(result).rejects.toThrow(PollBudgetExceededError);
    await expect(result).rejects.toMatchObject({
      name: 'PollBudgetExceededError',
      message: 'snapshots (preSnapshotId) still pending after 15 polls (budget 15)',
    });
  });

  it('reads every DescribeSnapshots page', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [snapshot('snap-0000000000000001', 'completed', '100%')], NextToken: 'page-2' })
      .resolvesOnce({ Snapshots: [snapshot('snap-0000000000000002', 'completed', '100%')] });

    // Act
    const poll = await handler({ volumes, field: 'preSnapshotId' });

    // Assess
    expect(poll.status).toBe('completed');
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSnapshotsCommand, { NextToken: 'page-2' });
  });

  it('throws PreconditionFailedError when a volume has no snapshot of that field, sending nothing', async () => {
    // Act
    const result = handler({ volumes, field: 'preCopyId' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message: 'a volume has no preCopyId recorded' });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('treats a snapshot not yet visible on the first polls as pending (EC2 is eventually consistent)', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('InvalidSnapshot.NotFound'));

    // Act
    const out = await handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: NOT_YET_VISIBLE_POLLS - 1 }) });

    // Assess
    expect(out).toMatchObject({ status: 'pending', count: NOT_YET_VISIBLE_POLLS });
  });

  it('throws ResourceNotFoundError when a snapshot is still missing after the first polls', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('InvalidSnapshot.NotFound'));

    // Act
    const result = handler({ volumes, field: 'preSnapshotId', poll: pollState({ count: NOT_YET_VISIBLE_POLLS }) });

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ message: 'snapshot not found: snap-0000000000000001, snap-0000000000000002' });
  });

  it('lets a transient error through with its name for Retry', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ volumes, field: 'preSnapshotId' })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
