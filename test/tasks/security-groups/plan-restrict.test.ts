import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/security-groups/plan-restrict';
import { restrictSecurityGroupsInputSchema } from '../../../tasks/security-groups/lib/schema';
import { awsError } from '../fixtures';
import { EGRESS, EXECUTION, FROM_GROUP, FROM_PREFIX_LIST, GROUP, HTTPS, OTHER_GROUP, SSH, SSH6, VPC, rule } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const request = (input: Record<string, unknown>) => restrictSecurityGroupsInputSchema.parse(input);
const DEFAULT_GROUP = 'sg-0000000000000def0';
const DEFAULT_OPEN = rule({ SecurityGroupRuleId: 'sgr-0000000000def80', GroupId: DEFAULT_GROUP, FromPort: 8080, ToPort: 8080 });

function account() {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [
    { GroupId: GROUP, GroupName: 'web', VpcId: VPC }, { GroupId: DEFAULT_GROUP, GroupName: 'default', VpcId: VPC },
  ] });
  // Two pages: every rule is read.
  ec2.on(DescribeSecurityGroupRulesCommand)
    .resolvesOnce({ SecurityGroupRules: [SSH, SSH6, HTTPS], NextToken: 'page-2' })
    .resolves({ SecurityGroupRules: [FROM_GROUP, FROM_PREFIX_LIST, EGRESS, DEFAULT_OPEN] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [
    { NetworkInterfaceId: 'eni-0123456789abcdef0', Attachment: { InstanceId: 'i-0123456789abcdef0' }, Groups: [{ GroupId: GROUP }], InterfaceType: 'interface' },
  ] });
}

describe('plan-restrict', () => {
  it('plans the world-open rules outside allowedPorts (IPv4 and ::/0), keeps 443, egress, group and prefix-list rules, skips the default group, lists users', async () => {
    // Prepare
    account();

    // Act
    const plan = await handler({ request: request({ vpcId: VPC, allowedPorts: [443] }), execution: EXECUTION, vpcId: VPC });

    // Assess
    expect(plan.outcome).toBe('PROCEED');
    expect(plan.toChange).toEqual([GROUP]);
    const web = plan.groups.find((g) => g.groupId === GROUP);
    expect(web?.revoke).toEqual([SSH, SSH6]);
    expect(web?.kept).toEqual([{ ruleId: HTTPS.SecurityGroupRuleId, reason: 'ports in allowedPorts' }, { ruleId: EGRESS.SecurityGroupRuleId, reason: 'outbound (includeEgress: false)' }]);
    expect(web?.usedBy).toEqual([{ networkInterfaceId: 'eni-0123456789abcdef0', instanceId: 'i-0123456789abcdef0', interfaceType: 'interface' }]);
    expect(plan.groups.find((g) => g.groupId === DEFAULT_GROUP)).toMatchObject({ action: 'skipped', isDefault: true, revoke: [] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, { NextToken: 'page-2' });
  });

  it('includes egress and the default group when asked; plan mode says PLANNED', async () => {
    account();

    const plan = await handler({ request: request({ vpcId: VPC, includeEgress: true, includeDefaultGroup: true, mode: 'plan' }), execution: EXECUTION, vpcId: VPC });

    expect(plan.outcome).toBe('PLANNED');
    expect(plan.groups.find((g) => g.groupId === GROUP)?.revoke).toEqual([SSH, SSH6, HTTPS, EGRESS]);
    expect(plan.groups.find((g) => g.groupId === DEFAULT_GROUP)?.revoke).toEqual([DEFAULT_OPEN]);
  });

  it('nothing open: NO_ACTION; an excluded group is skipped', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [
      { GroupId: GROUP, GroupName: 'web', VpcId: VPC, Tags: [{ Key: 'remediation:exclude', Value: 'True' }] }, { GroupId: OTHER_GROUP, GroupName: 'db', VpcId: VPC },
    ] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH, rule({ GroupId: OTHER_GROUP, CidrIpv4: '10.0.0.0/8' })] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({});

    const plan = await handler({ request: request({ groupIds: [GROUP, OTHER_GROUP] }), execution: EXECUTION, vpcId: VPC });

    expect(plan.outcome).toBe('NO_ACTION');
    expect(plan.groups.map((g) => [g.groupId, g.action])).toEqual([[GROUP, 'skipped'], [OTHER_GROUP, 'none']]);
  });

  it("an instance's groups are its network interfaces' groups", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0123456789abcdef0', NetworkInterfaces: [{ Groups: [{ GroupId: GROUP }] }] }] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, GroupName: 'web', VpcId: VPC }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({});

    const plan = await handler({ request: request({ instanceId: 'i-0123456789abcdef0' }), execution: EXECUTION, vpcId: VPC });

    expect(plan.toChange).toEqual([GROUP]);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [GROUP] });
  });

  it('refuses a group outside the locked VPC (PreconditionFailedError) and an unknown group (ResourceNotFoundError)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [{ GroupId: GROUP, GroupName: 'web', VpcId: 'vpc-0fedcba9876543210' }] })
      .rejects(awsError('InvalidGroup.NotFound', "The security group 'sg-0123456789abcdef0' does not exist"));

    await expect(handler({ request: request({ groupIds: [GROUP] }), execution: EXECUTION, vpcId: VPC })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    await expect(handler({ request: request({ groupIds: [GROUP] }), execution: EXECUTION, vpcId: VPC })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });

  it('rethrows throttling for the state machine to retry', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(handler({ request: request({ vpcId: VPC }), execution: EXECUTION, vpcId: VPC })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
