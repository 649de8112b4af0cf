import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ami/check-image';
import type { ImagePoll } from '../../../tasks/ami/lib/types';
import { IMAGE_ID, IMAGE_NAME, image } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const created = { imageId: IMAGE_ID, imageName: IMAGE_NAME, resumed: false, at: '2026-03-01T12:00:00.000Z' };
const poll = (count: number, maxPolls = 13): ImagePoll => ({ status: 'pending', count, startedAt: new Date().toISOString(), waitSeconds: 15, maxPolls });

describe('check-image', () => {
  it('pending: waits again, the interval doubling, the budget scaled by the volumes\' size', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'pending' })] });

    // Act
    const first = await handler({ image: created, workGiB: 500, poll: {} as ImagePoll });
    const second = await handler({ image: created, workGiB: 500, poll: first });

    // Assess
    expect(first).toMatchObject({ status: 'pending', imageState: 'pending', count: 1, waitSeconds: 15, maxPolls: 16 });
    expect(second).toMatchObject({ status: 'pending', count: 2, waitSeconds: 30, maxPolls: 16 });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { Filters: [{ Name: 'image-id', Values: [IMAGE_ID] }], IncludeDeprecated: true });
  });

  it('available: completed', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image()] });

    // Act
    const out = await handler({ image: created, workGiB: 8, poll: poll(2) });

    // Assess
    expect(out).toMatchObject({ status: 'completed', imageState: 'available', count: 3 });
  });

  it('failed: error with EC2\'s reason, for the cleanup', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'failed', StateReason: { Code: 'Client.Error', Message: 'snapshot creation failed' } })] });

    // Act
    const out = await handler({ image: created, workGiB: 8, poll: poll(1) });

    // Assess
    expect(out).toMatchObject({ status: 'error', imageState: 'failed', error: { Error: 'ImageFailed', Cause: `${IMAGE_ID} is failed: snapshot creation failed` } });
  });

  it('not visible yet in the first polls (eventual consistency) is pending; gone after them is an error', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const early = await handler({ image: created, workGiB: 8, poll: poll(1) });
    const late = await handler({ image: created, workGiB: 8, poll: poll(3) });

    // Assess
    expect(early).toMatchObject({ status: 'pending', imageState: 'not-yet-visible' });
    expect(late).toMatchObject({ status: 'error', imageState: 'missing', error: { Cause: `${IMAGE_ID} is missing: the image is no longer there` } });
  });

  it('still pending at the budget\'s last poll: PollBudgetExceededError', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'pending' })] });

    // Act
    const out = handler({ image: created, workGiB: 8, poll: poll(12, 13) });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'PollBudgetExceededError' });
  });
});
