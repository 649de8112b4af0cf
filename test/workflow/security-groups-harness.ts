import {
  AuthorizeSecurityGroupIngressCommand, CreateManagedPrefixListCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand,
  DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RunInstancesCommand, type IpPermission, type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export interface SecurityGroupsHarness {
  moto: MotoServer;
  ec2: EC2Client;
  restrict: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  restore: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
}

/** One moto server per test file; handlers and runner load only after the SDK points at it. */
export async function startSecurityGroupsHarness(): Promise<SecurityGroupsHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow } = await import('../../local/runner');
  return {
    moto, ec2: new EC2Client({}),
    restrict: (input, options) => runWorkflow('restrict-security-groups', input, options),
    restore: (input, options) => runWorkflow('restore-security-groups', input, options),
  };
}

export interface OpenVpc {
  vpcId: string;
  defaultGroupId: string;
  /** The group open to the world (SSH and RDP over IPv4 and IPv6, HTTPS), plus a group-referenced and a prefix-list rule. */
  openGroupId: string;
  peerGroupId: string;
  prefixListId: string;
  instanceId: string;
}

/** A VPC whose group is open to the world, used by an instance; the default group open too. */
export async function seedOpenVpc(ec2: EC2Client, cidr: string): Promise<OpenVpc> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace('/16', '/24') }))).Subnet?.SubnetId as string;
  const group = async (name: string) => (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }))).GroupId as string;
  const openGroupId = await group(`open-${cidr}`);
  const peerGroupId = await group(`peer-${cidr}`);
  const defaultGroupId = (await ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }],
  }))).SecurityGroups?.[0]?.GroupId as string;
  const prefixListId = (await ec2.send(new CreateManagedPrefixListCommand({ PrefixListName: `pl-${cidr}`, AddressFamily: 'IPv4', MaxEntries: 5 }))).PrefixList?.PrefixListId as string;
  const ingress = (GroupId: string, IpPermissions: IpPermission[], tags?: Record<string, string>) =>
    ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId, IpPermissions,
      ...(tags ? { TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] } : {}),
    }));
  await ingress(openGroupId, [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }] }], { owner: 'team-a', ticket: 'OPS-1' });
  await ingress(openGroupId, [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'ssh v6' }] }], { owner: 'team-a' });
  await ingress(openGroupId, [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  await ingress(openGroupId, [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'public https' }] }]);
  await ingress(openGroupId, [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: peerGroupId, Description: 'from peers' }] }]);
  await ingress(openGroupId, [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, PrefixListIds: [{ PrefixListId: prefixListId, Description: 'from the office list' }] }]);
  await ingress(defaultGroupId, [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  const instanceId = (await ec2.send(new RunInstancesCommand({
    ImageId: 'ami-12c6146b', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: subnetId, SecurityGroupIds: [openGroupId],
  }))).Instances?.[0]?.InstanceId as string;
  return { vpcId, defaultGroupId, openGroupId, peerGroupId, prefixListId, instanceId };
}

export async function rulesOf(ec2: EC2Client, groupId: string): Promise<SecurityGroupRule[]> {
  return (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];
}

/** A group's rules as JSON, rule ids left out, in one order: what "equal apart from rule ids" compares. */
export const withoutIds = (rules: SecurityGroupRule[]): string[] =>
  rules.map(({ SecurityGroupRuleId: _id, ...rest }) => canonical(rest)).sort();

/** JSON with every object's keys sorted (tags sorted by key), at any depth. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).sort().join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const worldOpen = (rules: SecurityGroupRule[]) => rules.filter((r) => r.CidrIpv4 === '0.0.0.0/0' || r.CidrIpv6 === '::/0');
