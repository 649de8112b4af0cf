import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/check-volumes';
import { PollBudgetExceededError, PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { NOW, awsError, ec2Volume, freezeTime, pollState, volumeWork } from '../fixtures';
import { NOT_YET_VISIBLE_POLLS } from '../../../tasks/lib/polling';

const ec2 = mockClient(EC2Client);
const NEW_1 = 'vol-0ccccccccccccccc1';
const NEW_2 = 'vol-0ccccccccccccccc2';
const volumes = [
  volumeWork({ newVolumeId: NEW_1, sizeGiB: 100 }),
  volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', newVolumeId: NEW_2, sizeGiB: 1000 }),
];

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('check-volumes', () => {
  it('reports completed once every replacement is available, asking for all in one call', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(NEW_1, 'available'), ec2Volume(NEW_2, 'available')] });

    // Act
    const poll = await handler({ volumes });

    // Assess: 1100 GiB of work -> budget 12 + 9.
    expect(poll).toEqual({ status: 'completed', count: 1, startedAt: NOW.toISOString(), maxPolls: 21, waitSeconds: 15 });
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [NEW_1, NEW_2] });
  });

  it('stays pending, waiting longer each time, while a replacement is creating', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(NEW_1, 'available'), ec2Volume(NEW_2, 'creating')] });

    // Act
    const first = await handler({ volumes });
    const second = await handler({ volumes, poll: first });
    const third = await handler({ volumes, poll: second });

    // Assess
    expect([first, second, third].map((p) => [p.status, p.count, p.waitSeconds])).toEqual([['pending', 1, 15], ['pending', 2, 30], ['pending', 3, 60]]);
    expect(third).toMatchObject({ startedAt: NOW.toISOString(), maxPolls: 21 });
  });

  it('stays pending while a replacement is not yet listed', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(NEW_1, 'available')] });

    // Act
    const poll = await handler({ volumes });

    // Assess
    expect(poll.status).toBe('pending');
  });

  it('reports error naming the replacement that failed', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(NEW_1, 'creating'), ec2Volume(NEW_2, 'error')] });

    // Act
    const poll = await handler({ volumes, poll: pollState({ count: 3, maxPolls: 21 }) });

    // Assess
    expect(poll).toMatchObject({ status: 'error', count: 4, error: { Error: 'VolumeCreationFailed', Cause: `volume ${NEW_2} entered state error` } });
  });

  it('throws PollBudgetExceededError when the last poll of the budget is still pending', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(NEW_1, 'creating'), ec2Volume(NEW_2, 'available')] });

    // Act
    const result = handler({ volumes, poll: pollState({ count: 20, maxPolls: 21 }) });

    // Assess
    await expect(result).rejects.toThrow(PollBudgetExceededError);
    await expect(result).rejects.toMatchObject({
      name: 'PollBudgetExceededError',
      message: 'replacement volumes still pending after 21 polls (budget 21)',
    });
  });

  it('reads every DescribeVolumes page', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [ec2Volume(NEW_1, 'available')], NextToken: 'page-2' })
      .resolvesOnce({ Volumes: [ec2Volume(NEW_2, 'available')] });

    // Act
    const poll = await handler({ volumes });

    // Assess
    expect(poll.status).toBe('completed');
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeVolumesCommand, { VolumeIds: [NEW_1, NEW_2], NextToken: 'page-2' });
  });

  it('throws PreconditionFailedError when a volume has no replacement recorded, sending nothing', async () => {
    // Act
    const result = handler({ volumes: [volumeWork({ newVolumeId: NEW_1 }), volumeWork()] });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message: 'a volume has no replacement recorded' });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('treats a volume not yet visible on the first polls as pending (EC2 is eventually consistent)', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).rejects(awsError('InvalidVolume.NotFound'));

    // Act
    const out = await handler({ volumes });

    // Assess
    expect(out).toMatchObject({ status: 'pending', count: 1 });
  });

  it('throws ResourceNotFoundError when a replacement is still missing after the first polls', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).rejects(awsError('InvalidVolume.NotFound'));

    // Act
    const result = handler({ volumes, poll: pollState({ count: NOT_YET_VISIBLE_POLLS }) });

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: `volume not found: ${NEW_1}, ${NEW_2}` });
  });

  it('lets a transient error through with its name for Retry', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ volumes })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
