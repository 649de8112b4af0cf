import {
  CreateNetworkAclCommand, CreateNetworkAclEntryCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkAclsCommand, EC2Client,
  ReplaceNetworkAclAssociationCommand, RunInstancesCommand, type NetworkAcl,
} from '@aws-sdk/client-ec2';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export interface BlockHarness {
  moto: MotoServer;
  ec2: EC2Client;
  block: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  unblock: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  /** A VPC with `subnets` subnets sharing one new NACL (ALLOW all at 100, both directions), an instance in the first. */
  network: (cidr: string, subnets?: number) => Promise<{ vpcId: string; subnetIds: string[]; naclId: string; instanceId: string }>;
  nacl: (naclId: string) => Promise<NetworkAcl>;
}

/** One moto server per test file; handlers and runner load only after the SDK points at it. */
export async function startBlockHarness(): Promise<BlockHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow } = await import('../../local/runner');
  const ec2 = new EC2Client({});
  const network: BlockHarness['network'] = async (cidr, subnets = 1) => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
    const naclId = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl?.NetworkAclId as string;
    for (const Egress of [false, true]) {
      await ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: 100, Egress, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' }));
      await ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: 101, Egress, RuleAction: 'allow', Protocol: '-1', Ipv6CidrBlock: '::/0' }));
    }
    const base = cidr.split('.').slice(0, 2).join('.');
    const subnetIds: string[] = [];
    for (let i = 0; i < subnets; i++) {
      const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${base}.${i}.0/24` }))).Subnet?.SubnetId as string;
      const current = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls?.[0];
      const association = current?.Associations?.find((a) => a.SubnetId === subnetId)?.NetworkAclAssociationId as string;
      await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association, NetworkAclId: naclId }));
      subnetIds.push(subnetId);
    }
    const instanceId = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, SubnetId: subnetIds[0] }))).Instances?.[0]?.InstanceId as string;
    return { vpcId, subnetIds, naclId, instanceId };
  };
  return {
    moto, ec2, network,
    block: (input, options) => runWorkflow('block-source-ip', input, options),
    unblock: (input, options) => runWorkflow('unblock-source-ip', input, options),
    nacl: async (naclId) => (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [naclId] }))).NetworkAcls?.[0] as NetworkAcl,
  };
}

/** The non-default entries of one direction, as [rule, action, cidr], sorted by rule. */
export const entries = (nacl: NetworkAcl, egress = false): [number, string, string][] => (nacl.Entries ?? [])
  .filter((e) => Boolean(e.Egress) === egress && e.RuleNumber !== 32767)
  .map((e): [number, string, string] => [e.RuleNumber as number, e.RuleAction as string, (e.CidrBlock ?? e.Ipv6CidrBlock) as string])
  .sort((a, b) => a[0] - b[0]);

/** The block records on a NACL: tag key -> value. */
export const blockTags = (nacl: NetworkAcl): Record<string, string> =>
  Object.fromEntries((nacl.Tags ?? []).filter((t) => t.Key?.startsWith('remediation:block:')).map((t) => [t.Key as string, t.Value as string]));
