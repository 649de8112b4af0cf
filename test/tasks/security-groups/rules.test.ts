import { ipPermissionOf, isTargeted, isWorldOpen, ruleTagSpecifications, sameRule, withinAllowedPorts } from '../../../tasks/security-groups/lib/rules';
import { EGRESS, FROM_GROUP, FROM_PREFIX_LIST, HTTPS, SSH, SSH6, rule } from './fixtures';

describe('security-group rule predicates', () => {
  it('open to the world: 0.0.0.0/0 and ::/0 only; never a referenced group or a prefix list, whatever the protocol', () => {
    expect([SSH, SSH6, EGRESS].map(isWorldOpen)).toEqual([true, true, true]);
    expect([FROM_GROUP, FROM_PREFIX_LIST, rule({ CidrIpv4: '10.0.0.0/8' })].map(isWorldOpen)).toEqual([false, false, false]);
  });

  it('allowed ports: every port of a TCP/UDP rule in the list; all protocols (-1) and ICMP never', () => {
    expect(withinAllowedPorts(HTTPS, [443])).toBe(true);
    expect(withinAllowedPorts(rule({ FromPort: 80, ToPort: 443 }), [80, 443])).toBe(false);
    expect(withinAllowedPorts(rule({ FromPort: 8080, ToPort: 8081 }), [8080, 8081])).toBe(true);
    expect(withinAllowedPorts(rule({ IpProtocol: '-1', FromPort: -1, ToPort: -1 }), [443])).toBe(false);
    expect(withinAllowedPorts(rule({ IpProtocol: 'icmp', FromPort: 8, ToPort: 0 }), [8])).toBe(false);
  });

  it('targeted: world-open, inbound unless includeEgress, outside allowedPorts', () => {
    const options = { allowedPorts: [443], includeEgress: false };
    expect([SSH, SSH6, HTTPS, EGRESS, FROM_GROUP, FROM_PREFIX_LIST].map((r) => isTargeted(r, options))).toEqual([true, true, false, false, false, false]);
    expect(isTargeted(EGRESS, { ...options, includeEgress: true })).toBe(true);
  });

  it('builds the IpPermission of a rule (description kept; -1 without ports), or of a replacement CIDR', () => {
    expect(ipPermissionOf(SSH)).toEqual({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }] });
    expect(ipPermissionOf(SSH6)).toEqual({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] });
    expect(ipPermissionOf(EGRESS)).toEqual({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    expect(ipPermissionOf(SSH, '10.0.0.0/8')).toEqual({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] });
    expect(() => ipPermissionOf(FROM_GROUP)).toThrow('has no CIDR');
  });

  it('tags as TagSpecifications (none: none), and the same rule by direction, protocol, ports and address only', () => {
    expect(ruleTagSpecifications(SSH.Tags)).toEqual([{ ResourceType: 'security-group-rule', Tags: [{ Key: 'owner', Value: 'team-a' }] }]);
    expect(ruleTagSpecifications([])).toBeUndefined();
    expect(sameRule(SSH, rule({ SecurityGroupRuleId: 'sgr-other', Description: 'changed', Tags: [] }))).toBe(true);
    expect(sameRule(SSH, rule({ IsEgress: true }))).toBe(false);
    expect(sameRule(SSH, SSH6)).toBe(false);
  });
});
