import { CASE, ENI, EXECUTION, INSTANCE, plan } from './fixtures';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as recordKeyRotation } from '../../../tasks/isolation/record-key-rotation';
import { handler as recheck } from '../../../tasks/isolation/recheck-isolation';
import type { EniIsolation } from '../../../tasks/isolation/ensure-isolation-groups';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  ec2.reset();
  dynamodb.reset();
  dynamodb.on(UpdateItemCommand).resolves({});
});

const NAME = `${CASE}-${INSTANCE}-keys`;
const CHILD_ARN = `arn:aws:states:us-east-1:111122223333:execution:remediation-rotate-key-pair:${NAME}`;
const keyPlan = () => plan({ keyRotation: { name: NAME } });
/** The step the case record got: its key and what it holds. */
const recorded = () => dynamodb.commandCalls(UpdateItemCommand).map((c) => ({
  key: Object.values(c.args[0].input.ExpressionAttributeNames ?? {})[0], step: JSON.parse(c.args[0].input.ExpressionAttributeValues?.[':s']?.S ?? '{}') as Record<string, unknown>,
}));

describe('record-key-rotation', () => {
  it('a child that rotated: its execution, outcome and new key pair in the case record (for remediate case) and the result', async () => {
    const out = await recordKeyRotation({
      plan: keyPlan(), child: { executionArn: CHILD_ARN, status: 'SUCCEEDED', output: { outcome: 'REMEDIATED', newKeyPair: { keyName: 'web-key-rotated' } } },
    });

    const expected = { name: NAME, executionArn: CHILD_ARN, status: 'SUCCEEDED', outcome: 'REMEDIATED', newKeyName: 'web-key-rotated' };
    expect(out).toEqual({ ...expected, at: expect.any(String) });
    expect(recorded()).toEqual([{ key: 'start-rotate-key-pair:web-key', step: { action: 'start-rotate-key-pair', resourceId: 'web-key', at: out.at, after: expected } }]);
  });

  it('a child that changed nothing says why (NO_ACTION and its reason)', async () => {
    const out = await recordKeyRotation({ plan: keyPlan(), child: { executionArn: CHILD_ARN, status: 'SUCCEEDED', output: { outcome: 'NO_ACTION', reason: 'key pair gone' } } });

    expect(out).toMatchObject({ status: 'SUCCEEDED', outcome: 'NO_ACTION', reason: 'key pair gone' });
    expect(out).not.toHaveProperty('newKeyName');
  });

  it("a child that failed (and rolled itself back): its own execution, status, error and cause from Step Functions' description", async () => {
    const cause = JSON.stringify({ ExecutionArn: CHILD_ARN, Status: 'FAILED', Error: 'RemediationRolledBack', Cause: 'authorized_keys restored' });

    const out = await recordKeyRotation({ plan: keyPlan(), failure: { Error: 'States.TaskFailed', Cause: cause } });

    expect(out).toEqual({ name: NAME, executionArn: CHILD_ARN, status: 'FAILED', error: 'RemediationRolledBack', cause: 'authorized_keys restored', at: expect.any(String) });
    expect(recorded()[0]?.step.after).toMatchObject({ executionArn: CHILD_ARN, status: 'FAILED' });
  });

  it('a start Step Functions refused (no child): NOT_STARTED with the error as given', async () => {
    const out = await recordKeyRotation({ plan: keyPlan(), failure: { Error: 'StepFunctions.ExecutionAlreadyExistsException', Cause: 'Execution Already Exists' } });

    expect(out).toEqual({ name: NAME, status: 'NOT_STARTED', error: 'StepFunctions.ExecutionAlreadyExistsException', cause: 'Execution Already Exists', at: expect.any(String) });
  });

  it('a case record it cannot write fails the step (for the state machine to retry or roll back)', async () => {
    dynamodb.on(UpdateItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));

    await expect(recordKeyRotation({ plan: keyPlan(), child: { executionArn: CHILD_ARN, status: 'SUCCEEDED' } })).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('recheck-isolation', () => {
  const UNTRACKED = 'sg-0000000000000000u';
  const enis: EniIsolation[] = [{ networkInterfaceId: ENI, vpcId: 'vpc-0123456789abcdef0', groupIds: ['sg-0000000000000000a'], untrackedGroupId: UNTRACKED, emptyGroupId: 'sg-0000000000000000e' }];
  const asWeLeftIt: Instance = {
    InstanceId: INSTANCE, State: { Name: 'running' }, Tags: [{ Key: 'remediation:lock', Value: EXECUTION }],
    NetworkInterfaces: [{ NetworkInterfaceId: ENI, Groups: [{ GroupId: UNTRACKED }] }],
  };
  const instanceIs = (instance: Instance) => ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE] }).resolves({ Reservations: [{ Instances: [instance] }] });
  const rechecked = () => recheck({ plan: plan(), enis, executionName: EXECUTION });

  it('the instance and its ENIs as we left them: passes, changing nothing', async () => {
    instanceIs(asWeLeftIt);

    expect(await rechecked()).toEqual({ enis: [ENI], at: expect.any(String) });
    expect(ec2.calls()).toHaveLength(1);
  });

  it.each<[string, Instance, string]>([
    ['terminated', { ...asWeLeftIt, State: { Name: 'terminated' } }, `${INSTANCE} is terminated`],
    ['shutting down', { ...asWeLeftIt, State: { Name: 'shutting-down' } }, `${INSTANCE} is shutting-down`],
    ['excluded meanwhile', { ...asWeLeftIt, Tags: [...asWeLeftIt.Tags ?? [], { Key: 'remediation:exclude', Value: 'TRUE' }] }, `${INSTANCE} is now tagged remediation:exclude=true`],
    ['its lock tag removed', { ...asWeLeftIt, Tags: [] }, `${INSTANCE}'s remediation:lock tag is gone, not ${EXECUTION}`],
    ['its lock tag naming another execution', { ...asWeLeftIt, Tags: [{ Key: 'remediation:lock', Value: 'other' }] }, `remediation:lock tag is other, not ${EXECUTION}`],
    ['an ENI moved to another group by an operator', { ...asWeLeftIt, NetworkInterfaces: [{ NetworkInterfaceId: ENI, Groups: [{ GroupId: 'sg-0000000000000000a' }] }] },
      `${ENI} is in sg-0000000000000000a, not only the untracked group ${UNTRACKED}`],
    ['an ENI given a second group', { ...asWeLeftIt, NetworkInterfaces: [{ NetworkInterfaceId: ENI, Groups: [{ GroupId: UNTRACKED }, { GroupId: 'sg-0000000000000000b' }] }] },
      `${ENI} is in ${UNTRACKED}, sg-0000000000000000b, not only`],
    ['an ENI detached', { ...asWeLeftIt, NetworkInterfaces: [] }, `${ENI} is no longer attached to ${INSTANCE}`],
    ['an ENI attached meanwhile', { ...asWeLeftIt, NetworkInterfaces: [...asWeLeftIt.NetworkInterfaces ?? [], { NetworkInterfaceId: 'eni-0fedcba9876543210', Groups: [] }] },
      `eni-0fedcba9876543210 was attached to ${INSTANCE} meanwhile`],
  ])('%s: InstanceChangedError naming the change, nothing changed', async (_what, instance, change) => {
    instanceIs(instance);

    const attempt = rechecked();

    await expect(attempt).rejects.toMatchObject({ name: 'InstanceChangedError' });
    await expect(attempt).rejects.toThrow(change);
    await expect(attempt).rejects.toThrow(new RegExp(`^someone changed ${INSTANCE} while it waited in the untracked group: `));
  });

  it('an instance that no longer exists: InstanceChangedError', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    await expect(rechecked()).rejects.toThrow(`${INSTANCE} no longer exists`);
  });

  it('throttling propagates for the state machine to retry', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(rechecked()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
