import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand, type EC2Client, type IpPermission, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { awsErrorName } from '../../lib/errors';
import { TAG } from '../../lib/tags';
import { WORKFLOW } from '../../lib/workflow-names';

/** On the per-VPC groups isolate-instance makes: `untracked` (everything allowed, so no connection is tracked) or `empty`. */
export const ISOLATION_GROUP_TAG = 'remediation:isolation-group';
export type IsolationGroupKind = 'untracked' | 'empty';

/** Deterministic, so a second run (or a lost answer) finds the group by name as well as by tag. */
export const isolationGroupName = (kind: IsolationGroupKind, vpcId: string): string => `remediation-isolation-${kind}-${vpcId}`;

const ALL_V4 = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
const ALL_V6 = { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] };
const has = (perms: IpPermission[] | undefined, v6: boolean): boolean => (perms ?? []).some((p) => p.IpProtocol === '-1'
  && (v6 ? (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0') : (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')));

async function find(ec2: EC2Client, kind: IsolationGroupKind, vpcId: string): Promise<SecurityGroup | undefined> {
  const { SecurityGroups: groups = [] } = await ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [isolationGroupName(kind, vpcId)] }, { Name: `tag:${ISOLATION_GROUP_TAG}`, Values: [kind] }],
  }));
  return groups[0];
}

/**
 * The VPC's group of this kind, made the first time a VPC needs it, and its rules brought to what they must be (a run
 * that stopped between create and authorize leaves a group without them): untracked allows every protocol from and to
 * 0.0.0.0/0 and ::/0 (connections through it are untracked); empty has no rule at all (its default egress revoked).
 */
export async function ensureIsolationGroup(ec2: EC2Client, kind: IsolationGroupKind, vpcId: string): Promise<string> {
  let group = await find(ec2, kind, vpcId);
  if (!group) {
    try {
      await ec2.send(new CreateSecurityGroupCommand({
        GroupName: isolationGroupName(kind, vpcId), VpcId: vpcId,
        Description: kind === 'untracked' ? 'isolate-instance: all traffic allowed so open connections become untracked (used only during the wait)' : 'isolate-instance: no traffic at all',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: ISOLATION_GROUP_TAG, Value: kind }, { Key: TAG.workflow, Value: WORKFLOW.isolateInstance }] }],
      }));
    } catch (error) {
      if (awsErrorName(error) !== 'InvalidGroup.Duplicate') throw error;
    }
    group = await find(ec2, kind, vpcId);
    if (!group?.GroupId) throw new Error(`isolation group ${isolationGroupName(kind, vpcId)} not found after its creation`);
  }
  const GroupId = group.GroupId as string;
  if (kind === 'untracked') {
    for (const [v6, perm] of [[false, ALL_V4], [true, ALL_V6]] as const) {
      if (!has(group.IpPermissions, v6)) await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [perm] }));
      if (!has(group.IpPermissionsEgress, v6)) await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: [perm] }));
    }
  } else if ((group.IpPermissionsEgress ?? []).length > 0) {
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: group.IpPermissionsEgress }));
  }
  return GroupId;
}
