import { DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../tasks/lib/client-hooks';
import { cidrProblem } from '../tasks/network/lib/block-schema';
import { ENTRY_QUOTA, entriesOf, familyOf, type Direction } from '../tasks/network/lib/nacl-blocks';
import { awsError } from './emulation';

const ec2 = new EC2Client({});

/**
 * NACL entry calls EC2 refuses and moto accepts (or answers 500): a rule number outside 1-32766, a malformed CIDR,
 * more than 20 entries per direction and IP family, a number already taken, and deleting an entry that is not there.
 * Raised before the call reaches moto, with EC2's error names, so the handlers meet the real behaviour.
 */
export async function refuseWhatEc2RefusesOnNacls(call: AwsCall): Promise<void> {
  if (call.service !== 'ec2' || !['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry'].includes(call.command)) return;
  const { NetworkAclId, RuleNumber, Egress, CidrBlock, Ipv6CidrBlock } = call.input as {
    NetworkAclId: string; RuleNumber: number; Egress?: boolean; CidrBlock?: string; Ipv6CidrBlock?: string;
  };
  if (!Number.isInteger(RuleNumber) || RuleNumber < 1 || RuleNumber > 32766) {
    throw awsError('InvalidParameterValue', `Invalid value '${RuleNumber}' for ruleNumber. It must be an integer between 1 and 32766.`);
  }
  const nacl = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [NetworkAclId] }))).NetworkAcls?.[0];
  if (!nacl) throw awsError('InvalidNetworkAclID.NotFound', `The networkAcl ID '${NetworkAclId}' does not exist`);
  const direction: Direction = Egress ? 'egress' : 'ingress';
  const existing = entriesOf(nacl, direction).find((e) => e.RuleNumber === RuleNumber);
  if (call.command === 'DeleteNetworkAclEntry') {
    if (!existing) throw awsError('InvalidNetworkAclEntry.NotFound', `The network acl entry identified by ${RuleNumber} does not exist.`);
    return;
  }
  const cidr = CidrBlock ?? Ipv6CidrBlock;
  const family = cidr ? familyOf(cidr) : undefined;
  if (!cidr || cidrProblem(cidr) || (CidrBlock !== undefined && family !== 'ipv4') || (Ipv6CidrBlock !== undefined && family !== 'ipv6')) {
    throw awsError('InvalidParameterValue', `Value (${cidr}) for parameter ${CidrBlock !== undefined ? 'cidrBlock' : 'ipv6CidrBlock'} is invalid.`);
  }
  if (call.command === 'ReplaceNetworkAclEntry') {
    if (!existing) throw awsError('InvalidNetworkAclEntry.NotFound', `The network acl entry identified by ${RuleNumber} does not exist.`);
    return;
  }
  if (existing) throw awsError('NetworkAclEntryAlreadyExists', `The network acl entry identified by ${RuleNumber} already exists.`);
  if (entriesOf(nacl, direction, family).length >= ENTRY_QUOTA) {
    throw awsError('NetworkAclEntryLimitExceeded', 'The maximum number of network acl entries has been reached.');
  }
}
