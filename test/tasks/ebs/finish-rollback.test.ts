import { CreateTagsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, type FinishRollbackEvent } from '../../../tasks/ebs/finish-rollback';
import { EXECUTION_NAME, INSTANCE_ID, NOW, awsError, freezeTime, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
const event = (overrides: Partial<FinishRollbackEvent> = {}): FinishRollbackEvent => ({
  executionName: EXECUTION_NAME,
  instanceId: INSTANCE_ID,
  instanceStateBefore: 'running',
  volumes: [volumeWork({ volumeId: ORIGINAL, device: '/dev/xvda', deleteOnTermination: true })],
  error: { Error: 'VerificationFailedError', Cause: 'verification failed: /dev/xvda size is 50, expected 100' },
  ...overrides,
});
const executionFilter = { Filters: [{ Name: 'tag:remediation:execution', Values: [EXECUTION_NAME] }] };

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(CreateTagsCommand).resolves({});
});
afterEach(() => jest.useRealTimers());

describe('finish-rollback', () => {
  it('tags everything the execution created, on every page, and reports the failure as the cause', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-0000000000000001' }], NextToken: 'page-2' })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-0000000000000002' }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0ccccccccccccccc1' }] });

    // Act
    const out = await handler(event());

    // Assess
    const at = NOW.toISOString();
    expect(out.report).toEqual({
      workflow: 'encrypt-volumes',
      target: INSTANCE_ID,
      outcome: 'ROLLED_BACK',
      error: { Error: 'VerificationFailedError', Cause: 'verification failed: /dev/xvda size is 50, expected 100' },
      actions: [
        { action: 'restore-original-volume', resourceId: ORIGINAL, after: { device: '/dev/xvda', deleteOnTermination: true, attachedTo: INSTANCE_ID }, at },
        { action: 'tag-rolled-back', resourceId: 'snap-0000000000000001', after: { 'remediation:rolled-back': 'true' }, at },
        { action: 'tag-rolled-back', resourceId: 'snap-0000000000000002', after: { 'remediation:rolled-back': 'true' }, at },
        { action: 'tag-rolled-back', resourceId: 'vol-0ccccccccccccccc1', after: { 'remediation:rolled-back': 'true' }, at },
        { action: 'restore-instance-state', resourceId: INSTANCE_ID, after: { state: 'running' }, at },
      ],
    });
    expect(JSON.parse(out.cause)).toEqual(out.report);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], ...executionFilter });
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSnapshotsCommand, { NextToken: 'page-2' });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, executionFilter);
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['snap-0000000000000001', 'snap-0000000000000002', 'vol-0ccccccccccccccc1'],
      Tags: [{ Key: 'remediation:rolled-back', Value: 'true' }],
    });
  });

  it('tags in batches of 500 resources', async () => {
    // Prepare
    const snapshots = Array.from({ length: 501 }, (_, i) => ({ SnapshotId: `snap-${String(i).padStart(16, '0')}` }));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots });

    // Act
    await handler(event());

    // Assess
    const batches = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources ?? []);
    expect(batches.map((b) => b.length)).toEqual([500, 1]);
    expect(batches[1]).toEqual(['snap-0000000000000500']);
  });

  it('tags nothing when the execution created nothing', async () => {
    // Act
    const out = await handler(event({ volumes: [] }));

    // Assess
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    expect(out.report.actions).toEqual([{ action: 'restore-instance-state', resourceId: INSTANCE_ID, after: { state: 'running' }, at: NOW.toISOString() }]);
  });

  it('takes the error from the poll that reported error when no task failed', async () => {
    // Prepare
    const polls = {
      preCopySnapshots: { status: 'completed' as const },
      volumes: { status: 'error' as const, error: { Error: 'VolumeCreationFailed', Cause: 'volume vol-0ccccccccccccccc1 entered state error' } },
    };

    // Act
    const out = await handler(event({ error: {}, polls }));

    // Assess
    expect(out.report.error).toEqual({ Error: 'VolumeCreationFailed', Cause: 'volume vol-0ccccccccccccccc1 entered state error' });
  });

  it('reports an unknown error when neither a task nor a poll recorded one', async () => {
    // Act
    const out = await handler(event({ error: undefined, polls: { stopped: { status: 'completed' } } }));

    // Assess
    expect(out.report.error).toEqual({ Error: 'Unknown', Cause: 'no error was recorded' });
  });

  it('keeps an error without a cause', async () => {
    // Act
    const out = await handler(event({ error: { Error: 'States.Timeout' } }));

    // Assess
    expect(out.report.error).toEqual({ Error: 'States.Timeout', Cause: '' });
  });

  it.each([
    ['DescribeSnapshots', () => ec2.on(DescribeSnapshotsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['CreateTags', () => ec2.on(CreateTagsCommand).rejects(awsError('RequestLimitExceeded'))],
  ])('lets a transient %s error through with its name for Retry', async (_command, arrange) => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0ccccccccccccccc1' }] });
    arrange();

    // Act / Assess
    await expect(handler(event())).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
