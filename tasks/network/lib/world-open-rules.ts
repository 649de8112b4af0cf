import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { WORLD_IPV4, WORLD_IPV6, isWorldOpen } from '../../security-groups/lib/rules';

/** One rule open to the world, as the security-group review reports it. */
export interface WorldOpenRule {
  groupId: string;
  ruleId: string;
  egress: boolean;
  /** `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number, as EC2 gives it. */
  protocol: string;
  fromPort: number;
  toPort: number;
  cidr: typeof WORLD_IPV4 | typeof WORLD_IPV6;
  description?: string;
}

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** EC2 names protocols by name or number; flow logs by number. One spelling for comparing both. */
export const protocolName = (protocol: string | number): string => PROTOCOL_NAMES[String(protocol)] ?? String(protocol).toLowerCase();

/**
 * The rules whose source is exactly 0.0.0.0/0 or ::/0. The source is checked first: a rule with a
 * referenced group or a prefix list is never world-open, whatever its protocol (protocol -1 included).
 */
export function worldOpenRules(rules: SecurityGroupRule[], options: { includeEgress?: boolean } = {}): WorldOpenRule[] {
  const open: WorldOpenRule[] = [];
  for (const rule of rules) {
    // The one test restrict-security-groups revokes by (tasks/security-groups/lib/rules.ts).
    if (!isWorldOpen(rule) || (rule.IsEgress && !options.includeEgress)) continue;
    const cidr = rule.CidrIpv4 === WORLD_IPV4 ? WORLD_IPV4 : WORLD_IPV6;
    open.push({
      groupId: rule.GroupId as string,
      ruleId: rule.SecurityGroupRuleId as string,
      egress: rule.IsEgress === true,
      protocol: protocolName(rule.IpProtocol ?? '-1'),
      fromPort: rule.FromPort ?? -1,
      toPort: rule.ToPort ?? -1,
      cidr,
      ...(rule.Description ? { description: rule.Description } : {}),
    });
  }
  return open.sort((a, b) => a.groupId.localeCompare(b.groupId) || a.ruleId.localeCompare(b.ruleId));
}

/** The rule admits traffic of this protocol to this port (ports count for TCP and UDP only; -1 is every protocol). */
export function ruleCovers(rule: Pick<WorldOpenRule, 'protocol' | 'fromPort' | 'toPort'>, protocol: string | number, port: number): boolean {
  if (rule.protocol === '-1') return true;
  const name = protocolName(protocol);
  if (rule.protocol !== name) return false;
  if (name !== 'tcp' && name !== 'udp') return true;
  return rule.fromPort === -1 || (port >= rule.fromPort && port <= rule.toPort);
}

/** How the review prints a rule's ports: `all`, `tcp/22`, `tcp/8000-8080`, `icmp`. */
export function portsLabel(rule: Pick<WorldOpenRule, 'protocol' | 'fromPort' | 'toPort'>): string {
  if (rule.protocol === '-1') return 'all';
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return rule.protocol;
  return rule.fromPort === rule.toPort ? `${rule.protocol}/${rule.fromPort}` : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
}
