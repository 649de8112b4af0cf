import { paginateDescribeSecurityGroupRules, type EC2Client, type IpPermission, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

const AUTHORIZE = new Set(['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress']);

/** The addresses of one IpPermission, each as the rule EC2 would make of it. */
function rulesOf(permission: IpPermission): Partial<SecurityGroupRule>[] {
  const base = { IpProtocol: permission.IpProtocol, FromPort: permission.FromPort ?? -1, ToPort: permission.ToPort ?? -1 };
  return [
    ...(permission.IpRanges ?? []).map((r) => ({ ...base, CidrIpv4: r.CidrIp })),
    ...(permission.Ipv6Ranges ?? []).map((r) => ({ ...base, CidrIpv6: r.CidrIpv6 })),
    ...(permission.PrefixListIds ?? []).map((p) => ({ ...base, PrefixListId: p.PrefixListId })),
    ...(permission.UserIdGroupPairs ?? []).map((g) => ({ ...base, ReferencedGroupInfo: { GroupId: g.GroupId } })),
  ];
}

const same = (a: Partial<SecurityGroupRule>, b: SecurityGroupRule) =>
  a.IpProtocol === b.IpProtocol && (a.IpProtocol === '-1' || ((a.FromPort ?? -1) === (b.FromPort ?? -1) && (a.ToPort ?? -1) === (b.ToPort ?? -1))) &&
  a.CidrIpv4 === b.CidrIpv4 && a.CidrIpv6 === b.CidrIpv6 && a.PrefixListId === b.PrefixListId &&
  a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId;

/**
 * EC2 AuthorizeSecurityGroupIngress/Egress of a rule the group already has: EC2 refuses the call with
 * InvalidPermission.Duplicate; moto (5.x) accepts it and adds a second, identical rule (without the call's
 * tags), so an idempotent restore could not be shown. Refused here as EC2 refuses it.
 */
export async function refuseDuplicateRules(ec2: EC2Client, call: AwsCall, refuse: (name: string, message: string) => Error): Promise<void> {
  if (call.service !== 'ec2' || !AUTHORIZE.has(call.command)) return;
  const groupId = call.input.GroupId as string;
  const egress = call.command === 'AuthorizeSecurityGroupEgress';
  const existing: SecurityGroupRule[] = [];
  for await (const page of paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: [groupId] }] })) {
    existing.push(...(page.SecurityGroupRules ?? []).filter((r) => Boolean(r.IsEgress) === egress));
  }
  for (const wanted of ((call.input.IpPermissions ?? []) as IpPermission[]).flatMap(rulesOf)) {
    if (existing.some((r) => same(wanted, r))) {
      const peer = wanted.CidrIpv4 ?? wanted.CidrIpv6 ?? wanted.PrefixListId ?? wanted.ReferencedGroupInfo?.GroupId;
      throw refuse('InvalidPermission.Duplicate',
        `the specified rule "peer: ${peer}, ${String(wanted.IpProtocol).toUpperCase()}, from port: ${wanted.FromPort}, to port: ${wanted.ToPort}, ALLOW" already exists`);
    }
  }
}
