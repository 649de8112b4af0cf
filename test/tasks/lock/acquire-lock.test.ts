import { LOCK_TABLE, MINE, MINE_ARN, OTHER_ARN, OTHER_NAME, arnOf } from './env';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/lock/acquire-lock';
import { ResourceLockedError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, awsError, freezeTime, sentCommands } from '../fixtures';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const ec2 = mockClient(EC2Client);
const TTL = 30 * 24 * 3600;
const NOW_S = NOW.getTime() / 1000;
const acquire = (target: string | undefined = INSTANCE_ID, executionArn = MINE_ARN) =>
  handler({ workflow: 'encrypt-volumes', executionArn, executionName: executionArn.split(':').pop()!, ttlSeconds: TTL, ...(target ? { target } : {}) });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const FREE_OR_MINE = { ConditionExpression: 'attribute_not_exists(lockKey) OR holder = :me', ExpressionAttributeValues: { ':me': { S: MINE_ARN } } };
const MY_ITEM = {
  lockKey: { S: INSTANCE_ID }, holder: { S: MINE_ARN }, executionName: { S: MINE.name }, workflow: { S: 'encrypt-volumes' },
  acquiredAt: { S: NOW.toISOString() }, expiresAt: { N: String(NOW_S + TTL) },
};
/** The lock as another execution of encrypt-volumes holds it, taken an hour ago for `ttl` seconds. */
const heldBy = (ttl = TTL) => ({
  Item: {
    lockKey: { S: INSTANCE_ID }, holder: { S: OTHER_ARN }, executionName: { S: OTHER_NAME }, workflow: { S: 'encrypt-volumes' },
    acquiredAt: { S: '2026-03-01T11:00:00.000Z' }, expiresAt: { N: String(NOW_S - 3600 + ttl) },
  },
});
/** Commands sent, client by client (DynamoDB, then Step Functions, then EC2), each client's in order. */
const commands = () => [...sentCommands(dynamodb), ...sentCommands(sfn), ...sentCommands(ec2)].map((n) => n.replace(/Command$/, ''));

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('acquire-lock', () => {
  it('takes a free lock with a conditional put, tags the instance with the execution name, and hands on the lock', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});

    // Act
    const lock = await acquire();

    // Assess
    expect(lock).toEqual({ held: true, key: INSTANCE_ID, holder: MINE_ARN, acquiredAt: NOW.toISOString(), expiresAt: NOW_S + TTL, taggedInstance: INSTANCE_ID });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: LOCK_TABLE, Item: MY_ITEM, ...FREE_OR_MINE });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE_ID], Tags: [{ Key: 'remediation:lock', Value: MINE.name }] });
    expect(commands()).toEqual(['PutItem', 'CreateTags']);
  });

  it('re-takes its own lock on a retry (holder = :me) without asking who holds it', async () => {
    // Prepare: the first attempt's put went through, its answer was lost
    dynamodb.on(PutItemCommand).resolves({});
    await acquire();

    // Act
    const again = await acquire();

    // Assess
    expect(again).toMatchObject({ held: true, key: INSTANCE_ID, holder: MINE_ARN });
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 2);
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, PutItemCommand, { TableName: LOCK_TABLE, Item: MY_ITEM, ...FREE_OR_MINE });
    expect(commands()).toEqual(['PutItem', 'PutItem', 'CreateTags', 'CreateTags']);
  });

  it('refuses with ResourceLockedError naming the holder while the holder is RUNNING, changing nothing', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves(heldBy());
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: OTHER_ARN, status: 'RUNNING' });

    // Act
    const attempt = acquire();

    // Assess
    await expect(attempt).rejects.toThrow(ResourceLockedError);
    await expect(attempt).rejects.toThrow(
      `${INSTANCE_ID} is being remediated by execution ${OTHER_NAME} (encrypt-volumes, since 2026-03-01T11:00:00.000Z); this execution changed nothing.`,
    );
    await expect(attempt).rejects.toMatchObject({ name: 'ResourceLockedError' });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: LOCK_TABLE, Key: { lockKey: { S: INSTANCE_ID } }, ConsistentRead: true });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: OTHER_ARN });
    expect(commands()).toEqual(['PutItem', 'GetItem', 'DescribeExecution']);
  });

  it.each([
    ['SUCCEEDED', () => sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' })],
    ['FAILED', () => sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' })],
    ['ExecutionDoesNotExist', () => sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist'))],
  ])('takes over from a holder whose execution is %s, on condition that it is still that holder', async (_status, holderIs) => {
    // Prepare
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(GetItemCommand).resolves(heldBy());
    holderIs();

    // Act
    const lock = await acquire();

    // Assess
    expect(lock).toMatchObject({ held: true, key: INSTANCE_ID, holder: MINE_ARN, tookOverFrom: OTHER_ARN, taggedInstance: INSTANCE_ID });
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, PutItemCommand, {
      TableName: LOCK_TABLE, Item: MY_ITEM, ConditionExpression: 'holder = :other', ExpressionAttributeValues: { ':other': { S: OTHER_ARN } },
    });
    expect(commands()).toEqual(['PutItem', 'GetItem', 'PutItem', 'DescribeExecution', 'CreateTags']);
  });

  it('takes over an expired lock without asking whether its holder still runs', async () => {
    // Prepare: taken an hour ago for half an hour
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(GetItemCommand).resolves(heldBy(1800));

    // Act
    const lock = await acquire();

    // Assess
    expect(lock).toMatchObject({ held: true, tookOverFrom: OTHER_ARN });
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, PutItemCommand, { ConditionExpression: 'holder = :other', ExpressionAttributeValues: { ':other': { S: OTHER_ARN } } });
  });

  it('a lock released between the put and the read is taken on condition that it is still free', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(GetItemCommand).resolves({});

    // Act
    const lock = await acquire();

    // Assess
    expect(lock).toMatchObject({ held: true, key: INSTANCE_ID });
    expect(lock).not.toHaveProperty('tookOverFrom');
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, PutItemCommand, { ConditionExpression: 'attribute_not_exists(lockKey)' });
    // DynamoDB refuses an empty ExpressionAttributeValues: a condition without values sends none.
    expect(dynamodb.commandCalls(PutItemCommand)[1]?.args[0].input).not.toHaveProperty('ExpressionAttributeValues');
  });

  it('loses a race for the takeover to another execution: ResourceLockedError, nothing tagged', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves(heldBy());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

    // Act
    const attempt = acquire();

    // Assess
    await expect(attempt).rejects.toThrow(new RegExp(`^${INSTANCE_ID} is being remediated by execution ${OTHER_NAME} `));
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 2);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it('an instance that does not exist is not tagged; the lock is held and preflight reports the instance', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});
    ec2.on(CreateTagsCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const lock = await acquire();

    // Assess
    expect(lock).toEqual({ held: true, key: INSTANCE_ID, holder: MINE_ARN, acquiredAt: NOW.toISOString(), expiresAt: NOW_S + TTL });
  });

  it('account-level work locks <account>/<region>/<workflow> and tags nothing', async () => {
    // Prepare
    const arn = arnOf('enable-config', 'enable-config-account-20260301T120000Z');
    dynamodb.on(PutItemCommand).resolves({});

    // Act
    const lock = await handler({ workflow: 'enable-config', executionArn: arn, executionName: 'enable-config-account-20260301T120000Z', ttlSeconds: 3600 });

    // Assess
    expect(lock).toEqual({ held: true, key: '111122223333/us-east-1/enable-config', holder: arn, acquiredAt: NOW.toISOString(), expiresAt: NOW_S + 3600 });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ lockKey: { S: '111122223333/us-east-1/enable-config' }, workflow: { S: 'enable-config' } }) });
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it.each([
    ['PutItem', 'ThrottlingException', () => dynamodb.on(PutItemCommand).rejects(awsError('ThrottlingException'))],
    ['GetItem', 'ProvisionedThroughputExceededException', () => {
      dynamodb.on(PutItemCommand).rejects(conditionFailed());
      dynamodb.on(GetItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    }],
    ['DescribeExecution', 'ThrottlingException', () => {
      dynamodb.on(PutItemCommand).rejects(conditionFailed());
      dynamodb.on(GetItemCommand).resolves(heldBy());
      sfn.on(DescribeExecutionCommand).rejects(awsError('ThrottlingException'));
    }],
    ['CreateTags', 'RequestLimitExceeded', () => {
      dynamodb.on(PutItemCommand).resolves({});
      ec2.on(CreateTagsCommand).rejects(awsError('RequestLimitExceeded'));
    }],
  ])('%s failing with %s propagates, for the state machine to retry', async (_call, errorName, given) => {
    // Prepare
    given();

    // Act
    const attempt = acquire();

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: errorName });
  });
});
