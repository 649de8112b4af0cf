import {
  paginateDescribeSecurityGroupRules, type EC2Client, type IpPermission, type SecurityGroupRule, type Tag,
} from '@aws-sdk/client-ec2';
import type { ResourceTag } from '../../lib/types';

export const WORLD_IPV4 = '0.0.0.0/0';
export const WORLD_IPV6 = '::/0';
/** The tag that names, on a replacement rule, the world-open rule it stands in for. */
export const REPLACES_TAG = 'remediation:replaces';

/** A rule as DescribeSecurityGroupRules gives it, tags included: what is saved, and what restore puts back. */
export type SavedRule = SecurityGroupRule & { SecurityGroupRuleId: string; GroupId: string };

/**
 * Open to the world: the source (or, outbound, the destination) is 0.0.0.0/0 or ::/0. Checked on the
 * address first, so a rule with a referenced group or a prefix list (which has no CIDR) never matches,
 * whatever its protocol (`-1`) or ports.
 */
export const isWorldOpen = (rule: SecurityGroupRule): boolean =>
  (rule.CidrIpv4 === WORLD_IPV4 || rule.CidrIpv6 === WORLD_IPV6) && !rule.ReferencedGroupInfo && !rule.PrefixListId;

/** Every port of the rule is allowed: TCP or UDP only (all protocols, `-1`, cover every port; ICMP has none). */
export function withinAllowedPorts(rule: SecurityGroupRule, allowedPorts: readonly number[]): boolean {
  if (!['tcp', 'udp', '6', '17'].includes(rule.IpProtocol ?? '')) return false;
  const from = rule.FromPort ?? -1;
  const to = rule.ToPort ?? -1;
  if (from < 0 || to < from || to - from > allowedPorts.length) return false;
  for (let p = from; p <= to; p += 1) if (!allowedPorts.includes(p)) return false;
  return true;
}

/** World-open, in a direction the request covers, on ports it does not keep: a rule restrict revokes. */
export const isTargeted = (rule: SecurityGroupRule, options: { allowedPorts: readonly number[]; includeEgress: boolean }): boolean =>
  isWorldOpen(rule) && (!rule.IsEgress || options.includeEgress) && !withinAllowedPorts(rule, options.allowedPorts);

/** Every rule of these groups, read fresh (paginated), by group. */
export async function rulesOfGroups(ec2: EC2Client, groupIds: readonly string[]): Promise<Map<string, SavedRule[]>> {
  const byGroup = new Map<string, SavedRule[]>(groupIds.map((g) => [g, []]));
  if (groupIds.length === 0) return byGroup;
  const pages = paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: [...groupIds] }] });
  for await (const page of pages) {
    for (const rule of page.SecurityGroupRules ?? []) {
      if (rule.GroupId && rule.SecurityGroupRuleId) byGroup.get(rule.GroupId)?.push(rule as SavedRule);
    }
  }
  return byGroup;
}

/** The same rule as far as EC2 is concerned (a second would be InvalidPermission.Duplicate): direction, protocol, ports, address. */
export const sameRule = (a: SecurityGroupRule, b: SecurityGroupRule): boolean =>
  a.GroupId === b.GroupId && Boolean(a.IsEgress) === Boolean(b.IsEgress) && a.IpProtocol === b.IpProtocol &&
  (a.FromPort ?? -1) === (b.FromPort ?? -1) && (a.ToPort ?? -1) === (b.ToPort ?? -1) &&
  a.CidrIpv4 === b.CidrIpv4 && a.CidrIpv6 === b.CidrIpv6 && a.PrefixListId === b.PrefixListId &&
  a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId;

/** The IpPermission that authorizes exactly this rule (its address, or `cidr` instead), description included. */
export function ipPermissionOf(rule: SecurityGroupRule, cidr?: string): IpPermission {
  const ports = rule.IpProtocol === '-1' ? {} : { FromPort: rule.FromPort, ToPort: rule.ToPort };
  const description = rule.Description !== undefined && cidr === undefined ? { Description: rule.Description } : {};
  const address = cidr ?? rule.CidrIpv4 ?? rule.CidrIpv6;
  if (!address) throw new Error(`rule ${rule.SecurityGroupRuleId} has no CIDR: only world-open rules are restored`);
  return {
    IpProtocol: rule.IpProtocol, ...ports,
    ...(address.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: address, ...description }] } : { IpRanges: [{ CidrIp: address, ...description }] }),
  };
}

/** A rule's own tags, as the TagSpecifications of the call that creates it again (none: no TagSpecifications). */
export const ruleTagSpecifications = (tags: readonly Tag[] | undefined) => {
  const own = (tags ?? []).filter((t): t is ResourceTag => typeof t.Key === 'string' && typeof t.Value === 'string' && !t.Key.startsWith('aws:'));
  return own.length > 0 ? [{ ResourceType: 'security-group-rule' as const, Tags: own }] : undefined;
};

/** Revoked rules, or rules already gone: AWS answers either name for a rule id that no longer exists. */
export const RULE_GONE = new Set(['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound']);
export const GROUP_GONE = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.Malformed']);
