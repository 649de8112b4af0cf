import { createEc2Client } from '../../../tasks/lib/clients/ec2';
import { createOnce } from '../../../tasks/lib/create-once';
import { awsError, noAnswer } from '../fixtures';

describe('createOnce', () => {
  it('returns what the create answered', async () => {
    // Act
    const out = await createOnce('CreateSnapshot of vol-1', async () => ({ SnapshotId: 'snap-1' }));

    // Assess
    expect(out).toEqual({ SnapshotId: 'snap-1' });
  });

  it.each([
    ['a throttle', awsError('RequestLimitExceeded', 'Rate exceeded', 503)],
    ['a refusal', awsError('SnapshotLimitExceeded', 'limit reached', 400)],
    ['an internal error answered after the effect', awsError('InternalError', 'internal', 500)],
  ])('lets %s that AWS answered through unchanged, for the state machine Retry to judge', async (_case, error) => {
    // Act
    const result = createOnce('CreateSnapshot of vol-1', async () => { throw error; });

    // Assess
    await expect(result).rejects.toBe(error);
  });

  it('turns no answer at all into AnswerLostError naming the call and the cause', async () => {
    // Act
    const result = createOnce('CopySnapshot of vol-1', async () => { throw noAnswer(); });

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'AnswerLostError',
      message: 'CopySnapshot of vol-1 got no answer from AWS (TimeoutError: Connection timed out after 30000 ms); it may have taken effect, so the retry looks for it by tag first',
    });
  });
});

describe('createEc2Client', () => {
  it('sends each call once when made without SDK retries', async () => {
    // Act
    const once = await createEc2Client({ sdkRetries: false }).config.maxAttempts();
    const usual = await createEc2Client().config.maxAttempts();

    // Assess
    expect(once).toBe(1);
    expect(usual).toBe(5);
  });
});
