import { DescribeSecurityGroupRulesCommand, EC2Client, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { portsLabel, ruleCovers, worldOpenRules } from '../../../tasks/network/lib/world-open-rules';
import { rulesOfGroups } from '../../../tasks/security-groups/lib/rules';

const GROUP = 'sg-0aaaaaaaaaaaaaaa1';
const rule = (id: string, overrides: Partial<SecurityGroupRule>): SecurityGroupRule => ({
  GroupId: GROUP, SecurityGroupRuleId: id, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, ...overrides,
});

describe('worldOpenRules', () => {
  it('keeps only 0.0.0.0/0 and ::/0 sources, ingress unless egress is asked for', () => {
    // Prepare
    const rules = [
      rule('sgr-1', { CidrIpv4: '0.0.0.0/0' }),
      rule('sgr-2', { CidrIpv6: '::/0', FromPort: 443, ToPort: 443 }),
      rule('sgr-3', { CidrIpv4: '10.0.0.0/8' }),
      rule('sgr-4', { CidrIpv4: '0.0.0.0/0', IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1 }),
      rule('sgr-5', { CidrIpv4: '0.0.0.0/1' }),
    ];

    // Act / Assess
    expect(worldOpenRules(rules).map((r) => [r.ruleId, r.cidr, portsLabel(r)])).toEqual([['sgr-1', '0.0.0.0/0', 'tcp/22'], ['sgr-2', '::/0', 'tcp/443']]);
    expect(worldOpenRules(rules, { includeEgress: true }).map((r) => [r.ruleId, r.egress])).toEqual([['sgr-1', false], ['sgr-2', false], ['sgr-4', true]]);
  });

  it('checks the source before the protocol: a protocol -1 rule from another group or a prefix list is never world-open', () => {
    expect(worldOpenRules([
      rule('sgr-6', { IpProtocol: '-1', ReferencedGroupInfo: { GroupId: 'sg-0bbbbbbbbbbbbbbb2' } }),
      rule('sgr-7', { IpProtocol: '-1', PrefixListId: 'pl-0123456789abcdef0' }),
    ])).toEqual([]);
  });

  it('ruleCovers: ports for TCP and UDP, every protocol for -1, protocol numbers and names alike', () => {
    const [ssh] = worldOpenRules([rule('sgr-1', { CidrIpv4: '0.0.0.0/0', FromPort: 20, ToPort: 22 })]);
    const [all] = worldOpenRules([rule('sgr-2', { CidrIpv4: '0.0.0.0/0', IpProtocol: '-1', FromPort: -1, ToPort: -1 })]);
    expect([ruleCovers(ssh!, 6, 22), ruleCovers(ssh!, 'tcp', 20), ruleCovers(ssh!, 6, 23), ruleCovers(ssh!, 17, 22)]).toEqual([true, true, false, false]);
    expect([ruleCovers(all!, 17, 53), ruleCovers(all!, 1, -1)]).toEqual([true, true]);
    expect(portsLabel(all!)).toBe('all');
  });
});

describe('rulesOfGroups (the review reads the rules as restrict does)', () => {
  const ec2 = mockClient(EC2Client);
  const client = new EC2Client({});
  beforeEach(() => ec2.reset());

  it('pages through DescribeSecurityGroupRules filtered by group id', async () => {
    // Prepare
    ec2.on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({ SecurityGroupRules: [rule('sgr-1', {})], NextToken: 't' })
      .resolvesOnce({ SecurityGroupRules: [rule('sgr-2', {})] });

    // Act
    const rules = [...(await rulesOfGroups(client, [GROUP])).values()].flat();

    // Assess
    expect(rules.map((r) => r.SecurityGroupRuleId)).toEqual(['sgr-1', 'sgr-2']);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [GROUP] }] });
  });

  it('asks nothing for no group', async () => {
    expect([...(await rulesOfGroups(client, [])).values()]).toEqual([]);
    expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
  });
});
