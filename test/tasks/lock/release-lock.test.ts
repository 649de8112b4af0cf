import { LOCK_TABLE, MINE, MINE_ARN } from './env';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteTagsCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
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
const BY_OUR_TAG = { Filters: [{ Name: 'tag:remediation:lock', Values: [MINE.name] }] };
const VOLUME_IDS = ['vol-0aaaaaaaaaaaaaaaa', 'vol-0bbbbbbbbbbbbbbbb'];
const OUR_TAG = [{ Key: 'remediation:lock', Value: MINE.name }];
/** EC2 shows these as carrying our lock tag. */
const tagged = (instances: string[], volumes: string[], groups: string[] = [], enis: string[] = []) => {
  ec2.on(DescribeInstancesCommand, BY_OUR_TAG).resolves({ Reservations: [{ Instances: instances.map((InstanceId) => ({ InstanceId })) }] });
  ec2.on(DescribeVolumesCommand, BY_OUR_TAG).resolves({ Volumes: volumes.map((VolumeId) => ({ VolumeId })) });
  ec2.on(DescribeSecurityGroupsCommand, BY_OUR_TAG).resolves({ SecurityGroups: groups.map((GroupId) => ({ GroupId })) });
  ec2.on(DescribeNetworkInterfacesCommand, BY_OUR_TAG).resolves({ NetworkInterfaces: enis.map((NetworkInterfaceId) => ({ NetworkInterfaceId })) });
};
const LOOKUPS = ['DescribeInstances', 'DescribeVolumes', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces'];

beforeEach(() => {
  dynamodb.reset();
  ec2.reset();
  freezeTime(NOW);
  tagged([INSTANCE_ID], []);
});
afterEach(() => jest.useRealTimers());

describe('release-lock', () => {
  it('removes our tag value from the instance and deletes our own lock item', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toEqual({ released: true, key: INSTANCE_ID, untagged: [INSTANCE_ID], at: NOW.toISOString() });
    // With a value, DeleteTags leaves a tag that names another execution.
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID], Tags: OUR_TAG });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
    expect(commands()).toEqual([...LOOKUPS, 'DeleteTags', 'DeleteItem']);
  });

  it('finds what carries our tag by tag filter, instance and volumes alike, and untags them in one call', async () => {
    // Prepare: LockResources tagged two volumes; the lock state names only the instance
    tagged([INSTANCE_ID], VOLUME_IDS);
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true, untagged: [INSTANCE_ID, ...VOLUME_IDS] });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, BY_OUR_TAG);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, BY_OUR_TAG);
    expect(ec2).toHaveReceivedCommandTimes(DeleteTagsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID, ...VOLUME_IDS], Tags: OUR_TAG });
  });

  it('a step that tagged and crashed before recording it leaves nothing behind: the tag, not the state, says what to untag', async () => {
    // Prepare: AcquireLock's state has no taggedInstance, yet EC2 shows the instance and a volume tagged
    tagged([INSTANCE_ID], [VOLUME_IDS[0]!]);
    dynamodb.on(DeleteItemCommand).resolves({});
    const withoutTag: LockState = { ...HELD };
    delete withoutTag.taggedInstance;

    // Act
    await release(withoutTag);

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID, VOLUME_IDS[0]], Tags: OUR_TAG });
  });

  it('security groups a workflow locked (restrict-security-groups) are untagged with the rest', async () => {
    // Prepare
    tagged([], [], ['sg-0123456789abcdef0']);
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await handler({ lock: { held: true, key: 'vpc-0123456789abcdef0', holder: MINE_ARN }, executionName: MINE.name });

    // Assess
    expect(out).toMatchObject({ released: true, untagged: ['sg-0123456789abcdef0'] });
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: ['sg-0123456789abcdef0'], Tags: OUR_TAG });
  });

  it('the ENIs isolate-instance locked are found by tag on every page and untagged with the instance', async () => {
    // Prepare: two pages of ENIs carrying our tag
    const enis = ['eni-0aaaaaaaaaaaaaaaa', 'eni-0bbbbbbbbbbbbbbbb', 'eni-0cccccccccccccccc'];
    tagged([INSTANCE_ID], []);
    ec2.on(DescribeNetworkInterfacesCommand, BY_OUR_TAG)
      .resolvesOnce({ NetworkInterfaces: enis.slice(0, 2).map((NetworkInterfaceId) => ({ NetworkInterfaceId })), NextToken: 'page-2' })
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: enis[2] }] });
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true, untagged: [INSTANCE_ID, ...enis] });
    // The paginator reuses one input object across pages: two calls, and the second page's ENI among those untagged, show both were read.
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, BY_OUR_TAG);
    expect(ec2).toHaveReceivedCommandTimes(DeleteTagsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID, ...enis], Tags: OUR_TAG });
  });

  it('an ENI deleted meanwhile (InvalidNetworkInterfaceID.NotFound): the instance is still untagged and the lock item deleted', async () => {
    // Prepare
    const eni = 'eni-0aaaaaaaaaaaaaaaa';
    tagged([INSTANCE_ID], [], [], [eni]);
    ec2.on(DeleteTagsCommand, { Resources: [INSTANCE_ID, eni] }).rejects(awsError('InvalidNetworkInterfaceID.NotFound'));
    ec2.on(DeleteTagsCommand, { Resources: [eni] }).rejects(awsError('InvalidNetworkInterfaceID.NotFound'));
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true });
    expect(ec2.commandCalls(DeleteTagsCommand).map((c) => c.args[0].input.Resources)).toEqual([[INSTANCE_ID, eni], [INSTANCE_ID], [eni]]);
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
  });

  it('nothing tagged: no DeleteTags at all', async () => {
    // Prepare
    tagged([], []);
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true, untagged: [] });
    expect(commands()).toEqual([...LOOKUPS, 'DeleteItem']);
  });

  it('a lock already taken over (or already released) is left to its holder: ConditionalCheckFailed is no error', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const out = await release();

    // Assess
    expect(out).toEqual({ released: false, key: INSTANCE_ID, untagged: [INSTANCE_ID], at: NOW.toISOString() });
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

  it('an account-level lock whose workflow tagged resources (untagResources: enforce-imdsv2) untags them too', async () => {
    // Prepare
    dynamodb.on(DeleteItemCommand).resolves({});
    const accountLock: LockState = { held: true, key: '111122223333/us-east-1/enforce-imdsv2', holder: MINE_ARN, acquiredAt: NOW.toISOString() };
    tagged([INSTANCE_ID, 'i-0fedcba9876543210'], []);

    // Act
    const out = await handler({ lock: accountLock, executionName: MINE.name, untagResources: true });

    // Assess
    expect(out).toMatchObject({ released: true, untagged: [INSTANCE_ID, 'i-0fedcba9876543210'] });
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE_ID, 'i-0fedcba9876543210'], Tags: OUR_TAG });
    expect(commands()).toEqual([...LOOKUPS, 'DeleteTags', 'DeleteItem']);
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

  it('a security group deleted meanwhile (InvalidGroup.NotFound) still has its lock item deleted', async () => {
    // Prepare
    ec2.on(DeleteTagsCommand).rejects(awsError('InvalidGroup.NotFound'));
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, OWN_ITEM_ONLY);
  });

  it('a volume deleted between the lookup and the untagging: the others are still untagged, one at a time', async () => {
    // Prepare
    tagged([INSTANCE_ID], VOLUME_IDS);
    ec2.on(DeleteTagsCommand, { Resources: [INSTANCE_ID, ...VOLUME_IDS] }).rejects(awsError('InvalidVolume.NotFound'));
    ec2.on(DeleteTagsCommand, { Resources: [VOLUME_IDS[1]!] }).rejects(awsError('InvalidVolume.NotFound'));
    dynamodb.on(DeleteItemCommand).resolves({});

    // Act
    const out = await release();

    // Assess
    expect(out).toMatchObject({ released: true });
    expect(ec2.commandCalls(DeleteTagsCommand).map((c) => c.args[0].input.Resources)).toEqual([[INSTANCE_ID, ...VOLUME_IDS], [INSTANCE_ID], [VOLUME_IDS[0]], [VOLUME_IDS[1]]]);
  });

  it.each([
    ['DeleteTags', 'RequestLimitExceeded', () => ec2.on(DeleteTagsCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DescribeVolumes', 'RequestLimitExceeded', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DescribeNetworkInterfaces', 'RequestLimitExceeded', () => ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('RequestLimitExceeded'))],
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
