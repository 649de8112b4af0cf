import { MINE, MINE_ARN } from './env';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/lock/lock-resources';
import type { LockState } from '../../../tasks/lock/lib/lock';
import { INSTANCE_ID, NOW, awsError, freezeTime, sentCommands } from '../fixtures';

const ec2 = mockClient(EC2Client);
const HELD: LockState = { held: true, key: INSTANCE_ID, holder: MINE_ARN, acquiredAt: NOW.toISOString(), expiresAt: NOW.getTime() / 1000 + 3600, taggedInstance: INSTANCE_ID };
const VOLUME_IDS = ['vol-0aaaaaaaaaaaaaaaa', 'vol-0bbbbbbbbbbbbbbbb'];
const lock = (resources: string[], state: LockState = HELD) => handler({ lock: state, executionName: MINE.name, resources });

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('lock-resources', () => {
  it('tags each resource the plan will change remediation:lock = this execution, in one call', async () => {
    // Prepare
    ec2.on(CreateTagsCommand).resolves({});

    // Act
    const out = await lock(VOLUME_IDS);

    // Assess
    expect(out).toEqual({ tagged: VOLUME_IDS, at: NOW.toISOString() });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: VOLUME_IDS, Tags: [{ Key: 'remediation:lock', Value: MINE.name }] });
    expect(sentCommands(ec2)).toEqual(['CreateTagsCommand']);
  });

  it('without a held lock (plan mode) tags nothing', async () => {
    // Act
    const out = await lock(VOLUME_IDS, { held: false });

    // Assess
    expect(out).toEqual({ tagged: [], at: NOW.toISOString() });
    expect(sentCommands(ec2)).toEqual([]);
  });

  it('an empty list makes no call', async () => {
    // Act
    const out = await lock([]);

    // Assess
    expect(out).toEqual({ tagged: [], at: NOW.toISOString() });
    expect(sentCommands(ec2)).toEqual([]);
  });

  it('a volume gone since preflight is ResourceNotFoundError (permanent, never retried)', async () => {
    // Prepare
    ec2.on(CreateTagsCommand).rejects(awsError('InvalidVolume.NotFound', "The volume 'vol-0bbbbbbbbbbbbbbbb' does not exist."));

    // Act
    const attempt = lock(VOLUME_IDS);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: expect.stringContaining('vol-0bbbbbbbbbbbbbbbb') });
  });

  it.each(['InvalidGroup.NotFound', 'InvalidNetworkAclID.NotFound', 'InvalidSnapshot.NotFound', 'InvalidAMIID.NotFound'])(
    'any locked resource gone (%s) is ResourceNotFoundError too, whatever the workflow locks',
    async (errorName) => {
      // Prepare
      ec2.on(CreateTagsCommand).rejects(awsError(errorName));

      // Act
      const attempt = lock(['sg-0aaaaaaaaaaaaaaaa']);

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    },
  );

  it('throttling propagates, for the state machine to retry', async () => {
    // Prepare
    ec2.on(CreateTagsCommand).rejects(awsError('RequestLimitExceeded'));

    // Act
    const attempt = lock(VOLUME_IDS);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
