import { CASE, ENI, EXECUTION, INSTANCE, TG, VPC, plan, state } from './fixtures';
import { DetachInstancesCommand, EnterStandbyCommand, AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSnapshotsCommand, DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand, DisassociateIamInstanceProfileCommand, EC2Client, GetConsoleOutputCommand, ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand, RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from '../fixtures';
import { handler as snapshot } from '../../../tasks/isolation/snapshot-instance';
import { handler as checkSnapshots } from '../../../tasks/isolation/check-forensic-snapshots';
import { handler as protect } from '../../../tasks/isolation/protect-instance';
import { handler as removeFromService } from '../../../tasks/isolation/remove-from-service';
import { handler as ensureGroups } from '../../../tasks/isolation/ensure-isolation-groups';
import { handler as move } from '../../../tasks/isolation/move-network-interface';
import { handler as revoke } from '../../../tasks/isolation/revoke-instance-profile';
import { handler as startBlock } from '../../../tasks/isolation/start-source-block';
import { handler as tagIsolated } from '../../../tasks/isolation/tag-isolated';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
const autoScaling = mockClient(AutoScalingClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const iam = mockClient(IAMClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  for (const m of [ec2, dynamodb, autoScaling, elbv2, iam, sfn]) m.reset();
  dynamodb.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({});
});
const recordedSteps = () => dynamodb.commandCalls(UpdateItemCommand).map((c) => Object.values(c.args[0].input.ExpressionAttributeNames ?? {})[0]);

describe('snapshot-instance', () => {
  it('saves the case (metadata, console output) before anything, then snapshots every volume with the case tags and no retain-until', async () => {
    ec2.on(GetConsoleOutputCommand).resolves({ Output: 'Ym9vdA==' }).on(DescribeSnapshotsCommand).resolves({ Snapshots: [] })
      .on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-0000000000000000b' }, { SnapshotId: 'snap-0000000000000000a' }] });

    const out = await snapshot({ plan: plan(), executionName: EXECUTION });

    expect(out).toEqual({ snapshotIds: ['snap-0000000000000000a', 'snap-0000000000000000b'], consoleOutput: { available: true } });
    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(JSON.parse(item?.prior?.S ?? '')).toEqual(state());
    expect(JSON.parse(item?.consoleOutput?.S ?? '')).toEqual({ output: 'Ym9vdA==' });
    expect(ec2.commandCalls(CreateSnapshotsCommand)[0]?.args[0].input).toEqual({
      InstanceSpecification: { InstanceId: INSTANCE, ExcludeBootVolume: false }, CopyTagsFromSource: 'volume',
      Description: `forensic snapshot of ${INSTANCE} for case ${CASE}`,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [
        { Key: 'remediation:case', Value: CASE }, { Key: 'remediation:workflow', Value: 'isolate-instance' }, { Key: 'remediation:execution', Value: EXECUTION }] }],
    });
    expect(dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.UpdateExpression)).toEqual(['SET snapshotIds = :s', 'SET steps.#s = :s']);
    expect(recordedSteps()[1]).toBe(`create-forensic-snapshots:${INSTANCE}`);
  });

  it('a retry finds the first attempt\'s snapshots by tag and creates none; a console output EC2 refuses is recorded, not fatal', async () => {
    ec2.on(GetConsoleOutputCommand).rejects(awsError('UnsupportedOperation', 'not supported')).on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-0000000000000000a' }] });

    const out = await snapshot({ plan: plan(), executionName: EXECUTION });

    expect(out).toEqual({ snapshotIds: ['snap-0000000000000000a'], consoleOutput: { available: false, error: 'UnsupportedOperation: not supported' } });
    expect(ec2.commandCalls(CreateSnapshotsCommand)).toHaveLength(0);
  });

  it('a case another isolation holds: PreconditionFailedError before any snapshot', async () => {
    ec2.on(GetConsoleOutputCommand).resolves({});
    dynamodb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));

    await expect(snapshot({ plan: plan(), executionName: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    expect(ec2.commandCalls(CreateSnapshotsCommand)).toHaveLength(0);
  });
});

describe('check-forensic-snapshots', () => {
  it.each([
    ['pending', [{ SnapshotId: 's1', State: 'pending', Progress: '40%', VolumeSize: 8 }]],
    ['completed', [{ SnapshotId: 's1', State: 'completed', VolumeSize: 8 }]],
    ['error', [{ SnapshotId: 's1', State: 'error', StateMessage: 'boom', VolumeSize: 8 }]],
  ])('reports %s', async (status, snapshots) => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots as never });
    expect(await checkSnapshots({ snapshotIds: ['s1'], poll: { status: 'pending', count: 3, startedAt: new Date().toISOString(), waitSeconds: 15, maxPolls: 12 } }))
      .toMatchObject({ status });
  });
});

describe('protect-instance', () => {
  it('turns both protections on and records the prior values', async () => {
    ec2.on(ModifyInstanceAttributeCommand).resolves({});
    const out = await protect({ plan: plan() });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE, DisableApiTermination: { Value: true } }, { InstanceId: INSTANCE, DisableApiStop: { Value: true } }]);
    expect(out.steps[0]).toMatchObject({ action: 'enable-protection', before: { termination: false, stop: false } });
  });
});

describe('remove-from-service', () => {
  it('standby (desired capacity decremented), then deregisters on the saved port', async () => {
    autoScaling.on(EnterStandbyCommand).resolves({});
    elbv2.on(DeregisterTargetsCommand).resolves({});
    const out = await removeFromService({ plan: plan(), autoScaling: 'standby' });
    expect(autoScaling).toHaveReceivedCommandWith(EnterStandbyCommand, { AutoScalingGroupName: 'workers', InstanceIds: [INSTANCE], ShouldDecrementDesiredCapacity: true });
    expect(elbv2).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG, Targets: [{ Id: INSTANCE, Port: 8080 }] });
    expect(out.steps.map((s) => s.action)).toEqual(['enter-standby', 'deregister-target']);
  });

  it('detach when asked; an instance already in standby is left as it is', async () => {
    autoScaling.on(DetachInstancesCommand).resolves({});
    await removeFromService({ plan: plan({ state: state({ targetGroups: [] }) }), autoScaling: 'detach' });
    expect(autoScaling.commandCalls(DetachInstancesCommand)).toHaveLength(1);
    const out = await removeFromService({ plan: plan({ state: state({ targetGroups: [], autoScaling: { groupName: 'workers', lifecycleState: 'Standby' } }) }), autoScaling: 'standby' });
    expect(out.steps).toEqual([]);
  });
});

describe('ensure-isolation-groups', () => {
  it('makes the VPC\'s untracked group (all traffic both ways, v4 and v6) and empty group (default egress revoked) the first time', async () => {
    const made = { untracked: 'sg-000000000000000u1', empty: 'sg-000000000000000e1' };
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
      const name = input.Filters.find((f) => f.Name === 'group-name')?.Values[0] ?? '';
      const kind = name.includes('untracked') ? 'untracked' : 'empty';
      const created = ec2.commandCalls(CreateSecurityGroupCommand).some((c) => c.args[0].input.GroupName === name);
      return { SecurityGroups: created ? [{ GroupId: made[kind], IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }] : [] };
    });
    ec2.on(CreateSecurityGroupCommand).resolves({}).on(AuthorizeSecurityGroupIngressCommand).resolves({}).on(AuthorizeSecurityGroupEgressCommand).resolves({})
      .on(RevokeSecurityGroupEgressCommand).resolves({});

    const out = await ensureGroups({ plan: plan() });

    expect(out.enis).toEqual([{ ...state().enis[0], untrackedGroupId: made.untracked, emptyGroupId: made.empty }]);
    expect(ec2.commandCalls(CreateSecurityGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([`remediation-isolation-untracked-${VPC}`, `remediation-isolation-empty-${VPC}`]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input.IpPermissions)).toEqual([
      [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand).map((c) => c.args[0].input.IpPermissions)).toEqual([[{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]]);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, { GroupId: made.empty });
  });

  it('finds both by tag and name next time and changes nothing', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-000000000000000e1', IpPermissions: [], IpPermissionsEgress: [] }] });
    await ensureGroups({ plan: plan() });
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
  });
});

describe('move-network-interface', () => {
  it('puts the ENI in the one group asked for and records the groups it had', async () => {
    ec2.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    const eni = { ...state().enis[0]!, untrackedGroupId: 'sg-u', emptyGroupId: 'sg-e' };
    const out = await move({ caseId: CASE, instanceId: INSTANCE, eni, to: 'empty' });
    expect(ec2).toHaveReceivedCommandWith(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: ENI, Groups: ['sg-e'] });
    expect(out).toMatchObject({ action: 'move-to-isolation-group', resourceId: ENI, before: { groupIds: eni.groupIds }, after: { groupIds: ['sg-e'] } });
  });
});

describe('revoke-instance-profile', () => {
  it('disassociates the profile and puts the session deny on its role; a retry after the disassociation took effect goes on', async () => {
    ec2.on(DisassociateIamInstanceProfileCommand).rejects(awsError('InvalidAssociationID.NotFound'));
    iam.on(PutRolePolicyCommand).resolves({});
    const out = await revoke({ plan: plan() });
    const put = iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ RoleName: 'web-role', PolicyName: `remediation-isolate-${CASE}-${INSTANCE}` });
    expect(JSON.parse(put?.PolicyDocument ?? '{}').Statement[0]).toMatchObject({ Effect: 'Deny', Action: '*', Condition: { DateLessThan: {} } });
    expect(out.steps.map((s) => s.action)).toEqual(['disassociate-instance-profile', 'put-session-deny']);
    // The case record names the policy (`remediate case` shows it; the README says to remove it by that name).
    expect(out.steps[1]).toMatchObject({ resourceId: 'arn:aws:iam::111122223333:role/web-role', after: { policyName: `remediation-isolate-${CASE}-${INSTANCE}` } });
  });

  it('any other EC2 error is thrown', async () => {
    ec2.on(DisassociateIamInstanceProfileCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(revoke({ plan: plan() })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(iam.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
  });
});


describe('start-source-block', () => {
  it('starts block-source-ip for the address as a /32, named after the case; a second start finds the first', async () => {
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'arn:x' }).rejects(awsError('ExecutionAlreadyExists'));
    const first = await startBlock({ plan: plan(), source: '203.0.113.7', executionName: EXECUTION });
    const again = await startBlock({ plan: plan(), source: '203.0.113.0/24', executionName: EXECUTION });
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input?.name).toBe(`${CASE}-block`);
    expect(JSON.parse(input?.input ?? '{}')).toMatchObject({ cidrs: ['203.0.113.7/32'], instanceId: INSTANCE });
    expect([first.steps[0]?.resourceId, again.steps[0]?.resourceId]).toEqual(['203.0.113.7/32', '203.0.113.0/24']);
  });
});

describe('tag-isolated', () => {
  it('tags the instance with the case and records it', async () => {
    ec2.on(CreateTagsCommand).resolves({});
    const out = await tagIsolated({ plan: plan() });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE], Tags: [{ Key: 'remediation:isolated', Value: CASE }] });
    expect(out.steps[0]?.action).toBe('tag-isolated');
  });
});
