import type { NetworkAcl, NetworkAclEntry } from '@aws-sdk/client-ec2';
import type { BlockSourceIpInput } from '../../../../tasks/network/lib/block-schema';
import type { BlockPlan } from '../../../../tasks/network/lib/block-types';
import type { ExecutionFacts } from '../../../../tasks/lib/types';

// Shared values for the block-source-ip / unblock-source-ip task tests; ids match the input schema's patterns.
export const NACL = 'acl-0aaaaaaaaaaaaaaa1';
export const SUBNET_A = 'subnet-0aaaaaaaaaaaaaaa1';
export const SUBNET_B = 'subnet-0bbbbbbbbbbbbbbb2';
export const EXECUTION: ExecutionFacts = { name: 'block-source-ip-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };
export const IN_24H = '2026-03-02T12:00:00.000Z';

export const allow = (RuleNumber: number, cidr = '0.0.0.0/0', Egress = false): NetworkAclEntry =>
  ({ RuleNumber, Egress, RuleAction: 'allow', Protocol: '-1', ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }) });
export const deny = (RuleNumber: number, cidr: string, Egress = false): NetworkAclEntry => ({ ...allow(RuleNumber, cidr, Egress), RuleAction: 'deny' });
export const DEFAULTS: NetworkAclEntry[] = [deny(32767, '0.0.0.0/0'), deny(32767, '::/0'), deny(32767, '0.0.0.0/0', true)];

export function nacl(entries: NetworkAclEntry[], tags: Record<string, string> = {}, subnets = [SUBNET_A]): NetworkAcl {
  return {
    NetworkAclId: NACL, VpcId: 'vpc-0aaaaaaaaaaaaaaa1', Entries: [...entries, ...DEFAULTS],
    Associations: subnets.map((SubnetId) => ({ SubnetId, NetworkAclId: NACL })),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export function request(overrides: Partial<BlockSourceIpInput> = {}): BlockSourceIpInput {
  return { cidrs: ['203.0.113.7/32'], subnetIds: [SUBNET_A], direction: 'ingress', evictOldest: false, approval: false, mode: 'apply', trigger: { source: 'console' }, ...overrides };
}

export function plan(overrides: Partial<BlockPlan> = {}): BlockPlan {
  return {
    outcome: 'PROCEED', direction: 'ingress', expiresAt: IN_24H, naclIds: [NACL], target: NACL, served: { subnets: 1, instances: 0 },
    approvalThreshold: 10, approvalRequired: false,
    nacls: [{ naclId: NACL, vpcId: 'vpc-0aaaaaaaaaaaaaaa1', subnets: [SUBNET_A], instances: [], create: [{ cidr: '203.0.113.7/32', ruleNumber: 1 }], extend: [], evict: [], unchanged: [] }],
    ...overrides,
  };
}
