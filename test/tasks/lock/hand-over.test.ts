import { LOCK_TABLE, arnOf } from './env';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as acquire } from '../../../tasks/lock/acquire-lock';
import { handler as grant } from '../../../tasks/lock/grant-lock';
import { handler as reclaim } from '../../../tasks/lock/reclaim-lock';
import { handler as release } from '../../../tasks/lock/release-lock';
import { ResourceLockedError } from '../../../tasks/lib/errors';
import type { LockHolder, LockState } from '../../../tasks/lock/lib/lock';
import { INSTANCE_ID, NOW, freezeTime, sentCommands } from '../fixtures';

// GIVEN isolate-instance (the parent) holding the lock on an instance, WHEN it grants the lock to its rotate-key-pair
// child, the child takes and gives it back, and the parent reclaims it, THEN each step is a conditional write on the one
// lock item, and the instance's lock tag names whoever holds it.
const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const ec2 = mockClient(EC2Client);
const NOW_S = NOW.getTime() / 1000;
const PARENT_NAME = `isolate-instance-${INSTANCE_ID}-20260301T110000Z`;
const PARENT_ARN = arnOf('isolate-instance', PARENT_NAME);
const CHILD_NAME = `case-7-${INSTANCE_ID}-keys`;
const CHILD_ARN = arnOf('rotate-key-pair', CHILD_NAME);
const STRANGER_NAME = `rotate-key-pair-${INSTANCE_ID}-20260301T120000Z`;
const PARENT: LockHolder = { holder: PARENT_ARN, executionName: PARENT_NAME, workflow: 'isolate-instance', acquiredAt: '2026-03-01T11:00:00.000Z', expiresAt: NOW_S + 3600 };
const PARENT_LOCK: LockState = { held: true, key: INSTANCE_ID, holder: PARENT_ARN, acquiredAt: PARENT.acquiredAt, expiresAt: PARENT.expiresAt, taggedInstance: INSTANCE_ID };
const attributes = (h: LockHolder) => ({
  holder: { S: h.holder }, executionName: { S: h.executionName }, workflow: { S: h.workflow }, acquiredAt: { S: h.acquiredAt }, expiresAt: { N: String(h.expiresAt) },
});
const PARENT_ITEM = { lockKey: { S: INSTANCE_ID }, ...attributes(PARENT) };
const CHILD: LockHolder = { holder: CHILD_ARN, executionName: CHILD_NAME, workflow: 'rotate-key-pair', acquiredAt: NOW.toISOString(), expiresAt: NOW_S + 7200 };
const CHILD_ITEM = { lockKey: { S: INSTANCE_ID }, ...attributes(CHILD), handedOverBy: { M: attributes(PARENT) } };
const CHILD_LOCK: LockState = { held: true, key: INSTANCE_ID, holder: CHILD_ARN, acquiredAt: CHILD.acquiredAt, expiresAt: CHILD.expiresAt, taggedInstance: INSTANCE_ID, handedOverBy: PARENT };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const lockTag = (name: string) => [{ Key: 'remediation:lock', Value: name }];
const commands = () => [...sentCommands(dynamodb), ...sentCommands(sfn), ...sentCommands(ec2)].map((n) => n.replace(/Command$/, ''));
const childAcquires = (executionName = CHILD_NAME, startedBy: string | undefined = PARENT_ARN) => acquire({
  workflow: 'rotate-key-pair', target: INSTANCE_ID, executionArn: arnOf('rotate-key-pair', executionName), executionName, ttlSeconds: 7200,
  request: startedBy ? { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: startedBy } : {},
});

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('grant-lock (the parent names its child)', () => {
  it('records handOverTo on its own lock item only (holder = :me)', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});

    const granted = await grant({ lock: PARENT_LOCK, childName: CHILD_NAME });

    expect(granted).toEqual({ key: INSTANCE_ID, to: CHILD_NAME, at: NOW.toISOString() });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: LOCK_TABLE, Key: { lockKey: { S: INSTANCE_ID } }, UpdateExpression: 'SET handOverTo = :child', ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':child': { S: CHILD_NAME }, ':me': { S: PARENT_ARN } },
    });
  });

  it('a lock no longer ours (taken over once its time was up): ResourceLockedError, nothing granted', async () => {
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());

    const attempt = grant({ lock: PARENT_LOCK, childName: CHILD_NAME });

    await expect(attempt).rejects.toThrow(ResourceLockedError);
    await expect(attempt).rejects.toThrow(`the lock on ${INSTANCE_ID} is no longer this execution's`);
  });

  it('without a lock held (a plan) there is nothing to grant: refused before any call', async () => {
    await expect(grant({ lock: { held: false }, childName: CHILD_NAME })).rejects.toMatchObject({ name: 'ResourceLockedError' });
    expect(commands()).toEqual([]);
  });
});

describe('acquire-lock (a child its parent granted the lock)', () => {
  it('takes it on condition holder = parent AND handOverTo = its name, recording the parent, and tags the instance with its own name', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { ...PARENT_ITEM, handOverTo: { S: CHILD_NAME } } });
    dynamodb.on(PutItemCommand).resolves({});

    const lock = await childAcquires();

    expect(lock).toEqual(CHILD_LOCK);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: LOCK_TABLE, Item: CHILD_ITEM, ConditionExpression: 'holder = :parent AND handOverTo = :name',
      ExpressionAttributeValues: { ':parent': { S: PARENT_ARN }, ':name': { S: CHILD_NAME } },
    });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE_ID], Tags: lockTag(CHILD_NAME) });
    expect(commands()).toEqual(['GetItem', 'PutItem', 'CreateTags']);
  });

  it('a retry finds the lock already its own, the parent still recorded: no second write', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: CHILD_ITEM });

    const lock = await childAcquires();

    expect(lock).toMatchObject({ held: true, holder: CHILD_ARN, handedOverBy: PARENT });
    expect(commands()).toEqual(['GetItem', 'CreateTags']);
  });

  it('a stranger naming the parent, not granted: the parent RUNNING holds the lock, ResourceLockedError, nothing tagged', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { ...PARENT_ITEM, handOverTo: { S: CHILD_NAME } } });
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const attempt = childAcquires(STRANGER_NAME);

    await expect(attempt).rejects.toThrow(new RegExp(`^${INSTANCE_ID} is being remediated by execution ${PARENT_NAME} \\(isolate-instance`));
    // The ordinary put only (attribute_not_exists OR holder = :me): the stranger never tried the hand-over condition.
    expect(dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.ConditionExpression)).toEqual(['attribute_not_exists(lockKey) OR holder = :me']);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it('a grant gone between the read and the put (the parent reclaimed it): the conditional put fails, then ResourceLockedError', async () => {
    dynamodb.on(GetItemCommand).resolvesOnce({ Item: { ...PARENT_ITEM, handOverTo: { S: CHILD_NAME } } }).resolves({ Item: PARENT_ITEM });
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    await expect(childAcquires()).rejects.toMatchObject({ name: 'ResourceLockedError' });
    expect(commands()).toEqual(['GetItem', 'PutItem', 'PutItem', 'GetItem', 'DescribeExecution']);
  });

  it('naming a parent that holds no lock at all: the lock is simply free and taken as usual, with no parent to give it back to', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(PutItemCommand).resolves({});

    const lock = await childAcquires();

    expect(lock).not.toHaveProperty('handedOverBy');
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(1, PutItemCommand, { ConditionExpression: 'attribute_not_exists(lockKey) OR holder = :me' });
  });
});

describe('release-lock (a handed-over lock goes back to the parent)', () => {
  const ourTag = { Filters: [{ Name: 'tag:remediation:lock', Values: [CHILD_NAME] }] };
  const VOLUME = 'vol-0aaaaaaaaaaaaaaaa';
  beforeEach(() => {
    ec2.on(DescribeInstancesCommand, ourTag).resolves({ Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID }] }] });
    ec2.on(DescribeVolumesCommand, ourTag).resolves({ Volumes: [{ VolumeId: VOLUME }] });
    ec2.on(DescribeSecurityGroupsCommand, ourTag).resolves({ SecurityGroups: [] });
    ec2.on(DescribeNetworkInterfacesCommand, ourTag).resolves({ NetworkInterfaces: [] });
  });

  it("puts the parent's own item back (no grant left), tags the instance with the parent's name, untags the rest; nothing deleted", async () => {
    dynamodb.on(PutItemCommand).resolves({});

    const out = await release({ lock: CHILD_LOCK, executionName: CHILD_NAME });

    expect(out).toEqual({ released: true, key: INSTANCE_ID, untagged: [INSTANCE_ID, VOLUME], givenBackTo: PARENT_NAME, at: NOW.toISOString() });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: LOCK_TABLE, Item: PARENT_ITEM, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': { S: CHILD_ARN } },
    });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE_ID], Tags: lockTag(PARENT_NAME) });
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [VOLUME], Tags: lockTag(CHILD_NAME) });
    expect(commands()).toEqual(['PutItem', 'DescribeInstances', 'DescribeVolumes', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces', 'CreateTags', 'DeleteTags']);
  });

  it('a re-run (already given back): released false, the parent\'s tag left alone, only what still names the child untagged', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());

    const out = await release({ lock: CHILD_LOCK, executionName: CHILD_NAME });

    expect(out).toMatchObject({ released: false, key: INSTANCE_ID });
    expect(out).not.toHaveProperty('givenBackTo');
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID, VOLUME], Tags: lockTag(CHILD_NAME) });
  });
});

describe('reclaim-lock (the parent, after its child)', () => {
  const reclaimed = () => reclaim({ lock: PARENT_LOCK, workflow: 'isolate-instance', executionName: PARENT_NAME, childName: CHILD_NAME });
  const MINE_BACK = { TableName: LOCK_TABLE, Item: PARENT_ITEM };

  it('the child gave it back (or never took it): its own item again on holder = :me (the grant gone), the instance tagged with its name', async () => {
    dynamodb.on(PutItemCommand).resolves({});

    expect(await reclaimed()).toEqual({ key: INSTANCE_ID, from: 'self', at: NOW.toISOString() });

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { ...MINE_BACK, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': { S: PARENT_ARN } } });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE_ID], Tags: lockTag(PARENT_NAME) });
    expect(commands()).toEqual(['PutItem', 'CreateTags']);
  });

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT'] as const)('takes it from the child it granted once that child is %s without having released it', async (status) => {
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(GetItemCommand).resolves({ Item: CHILD_ITEM });
    sfn.on(DescribeExecutionCommand).resolves({ status });

    expect(await reclaimed()).toEqual({ key: INSTANCE_ID, from: CHILD_ARN, at: NOW.toISOString() });

    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: CHILD_ARN });
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, PutItemCommand, { ...MINE_BACK, ConditionExpression: 'holder = :child', ExpressionAttributeValues: { ':child': { S: CHILD_ARN } } });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE_ID], Tags: lockTag(PARENT_NAME) });
  });

  it('the child still RUNNING: ResourceLockedError, nothing taken, nothing tagged', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: CHILD_ITEM });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    await expect(reclaimed()).rejects.toThrow(`the lock on ${INSTANCE_ID} did not come back from ${CHILD_NAME}: it is held by execution ${CHILD_NAME} (rotate-key-pair`);
    expect(commands()).toEqual(['PutItem', 'GetItem', 'DescribeExecution']);
  });

  it('anyone else holds it (not the child granted): ResourceLockedError without asking whether it runs', async () => {
    const other = { ...CHILD, holder: arnOf('encrypt-volumes', 'ev-1'), executionName: 'ev-1', workflow: 'encrypt-volumes' };
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { lockKey: { S: INSTANCE_ID }, ...attributes(other) } });

    await expect(reclaimed()).rejects.toThrow(/held by execution ev-1 \(encrypt-volumes/);
    expect(commands()).toEqual(['PutItem', 'GetItem']);
  });

  it('the lock item gone: ResourceLockedError naming nobody', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({});

    await expect(reclaimed()).rejects.toThrow('held by nobody (the lock was deleted)');
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });
});
