import { LOCK_TABLE, MINE, MINE_ARN } from './env';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/lock/release-lock';
import type { LockState } from '../../../tasks/lock/lib/lock';
import { INSTANCE_ID, NOW, awsError, freezeTime, sentCommands } from '../fixtures';

const dynamodb = mockClient(DynamoDBClient);
const ec2 = mockClient(EC2Client);
const HELD: LockState = { held: true, key: INSTANCE_ID, holder: MINE_ARN, acquiredAt: NOW.toISOString(), expiresAt: NOW.getTime() / 1000 + 3600, taggedInstance: INSTANCE_ID };
const release = (lock: LockState = HELD) => handler({ lock, executionName: MINE.name });
const OWN_ITEM_ONLY = {
  TableName: LOCK_TABLE, Key: { lockKey: { S: INSTANCE_ID } }, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': { S: MINE_ARN } },
};
const commands = () => [...sentCommands(ec2), ...sentCommands(dynamodb)].map((n) => n.replace(/Command$/, ''));

beforeEach(() => {
  dynamodb.reset();
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('release-lock', () => {
  it('removes our tag value from the instance and deletes our own lock item', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toEqual({ released: true, key: INSTANCE_ID, at: NOW.toISOString() });
    // With a value, DeleteTags leaves a tag that names another execution.
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID], Tags: [{ Key: 'remediation:lock', Value: MINE.name }] });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
    expect(commands()).toEqual(['DeleteTags', 'DeleteItem']);
  });

  it('a lock already taken over (or already released) is left to its holder: ConditionalCheckFailed is no error', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const out = await release();

    // Assess
    expect(out).toEqual({ released: false, key: INSTANCE_ID, at: NOW.toISOString() });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
  });

  it('an account-level lock deletes the item and touches no instance', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).resolves({});
    const accountLock: LockState = { held: true, key: '111122223333/us-east-1/enable-config', holder: MINE_ARN, acquiredAt: NOW.toISOString() };

    // Act
    const out = await release(accountLock);

    // Assess
    expect(out).toMatchObject({ released: true, key: '111122223333/us-east-1/enable-config' });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { Key: { lockKey: { S: '111122223333/us-east-1/enable-config' } } });
    expect(commands()).toEqual(['DeleteItem']);
  });

  it('without a held lock (plan mode: WithoutLock) does nothing', async () => {
    // Act
    const out = await release({ held: false });

    // Assess
    expect(out).toEqual({ released: false, at: NOW.toISOString() });
    expect(commands()).toEqual([]);
  });

  it('an instance that no longer exists still has its lock item deleted', async () => {
    // Prepare
    ec2.on(DeleteTagsCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
  });

  it.each([
    ['DeleteTags', 'RequestLimitExceeded', () => ec2.on(DeleteTagsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DeleteItem', 'ThrottlingException', () => dynamodb.on(DeleteItemCommand).rejects(awsError('ThrottlingException'))],
  ])('%s failing with %s propagates, for the state machine to retry', async (_call, errorName, given) => {
    // Prepare
    given();

    // Act
    const attempt = release();

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: errorName });
  });
});
