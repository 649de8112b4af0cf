import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateVpcCommand, DescribeSecurityGroupRulesCommand, EC2Client, type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import Table from 'cli-table3';

const PLAIN = { head: [], border: [] };

const rulesOf = async (ec2: EC2Client, groupId: string): Promise<SecurityGroupRule[]> =>
  ((await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [])
    .filter((r) => !r.IsEgress);
const line = (r: SecurityGroupRule) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} from ${r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId}` +
  `${r.Description ? ` "${r.Description}"` : ''}${(r.Tags ?? []).filter((t) => t.Key === 'owner').map((t) => ` owner=${t.Value}`).join('')}`;
/** A group's inbound rules as text, rule ids left out and sorted: what "restored exactly" compares. */
const shape = (rules: SecurityGroupRule[]) => rules.map((r) => JSON.stringify({ ...r, SecurityGroupRuleId: undefined, Tags: [...(r.Tags ?? [])].sort((a, b) => String(a.Key).localeCompare(String(b.Key))) })).sort();

/**
 * restrict-security-groups then restore-security-groups on an emulated account: a web group with SSH and RDP open to
 * the world, HTTPS kept (allowedPorts), the office range added in their place; then the saved rules put back exactly.
 * Prints the inbound rules at each step; returns the problems found (none = right).
 */
export async function demoSecurityGroups(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.64.0.0/16' }))).Vpc?.VpcId as string;
  const groupId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'demo-web', Description: 'web' }))).GroupId as string;
  const open = (FromPort: number, Description: string, owner?: string) => ec2.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort, ToPort: FromPort, IpRanges: [{ CidrIp: '0.0.0.0/0', Description }] }],
    ...(owner ? { TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'owner', Value: owner }] }] } : {}),
  }));
  await open(22, 'ssh from anywhere', 'team-a');
  await open(3389, 'rdp');
  await open(443, 'public https');
  const before = await rulesOf(ec2, groupId);
  console.log(`Security group ${groupId} in ${vpcId}: SSH and RDP open to the world, HTTPS public on purpose.\n`);

  const input = { groupIds: [groupId], allowedPorts: [443], replacementCidrs: ['10.0.0.0/8'], trigger: { source: 'cli', principal: 'demo' } };
  console.log(`restrict-security-groups ${JSON.stringify(input)}`);
  const restrict = await runWorkflow('restrict-security-groups', input);
  console.log(`Execution ${restrict.name}: ${restrict.status}${restrict.error ? ` ${restrict.error}: ${restrict.cause}` : ''}`);
  const restricted = await rulesOf(ec2, groupId);

  const restoreInput = { restrictExecution: restrict.name, trigger: { source: 'cli', principal: 'demo' } };
  console.log(`restore-security-groups ${JSON.stringify(restoreInput)}`);
  const restore = await runWorkflow('restore-security-groups', restoreInput);
  console.log(`Execution ${restore.name}: ${restore.status}${restore.error ? ` ${restore.error}: ${restore.cause}` : ''}`);
  const restored = await rulesOf(ec2, groupId);

  const table = new Table({ head: ['inbound rules', ''], style: PLAIN });
  table.push(['before', before.map(line).sort().join('\n')], ['restricted', restricted.map(line).sort().join('\n')], ['restored', restored.map(line).sort().join('\n')]);
  console.log(table.toString());

  const problems: string[] = [];
  const outcome = (e: typeof restrict) => (e.output as { outcome?: string } | undefined)?.outcome ?? e.error;
  if (restrict.status !== 'SUCCEEDED' || outcome(restrict) !== 'REMEDIATED') problems.push(`restrict ended ${restrict.status} ${outcome(restrict)}`);
  const worldOpen = restricted.filter((r) => r.CidrIpv4 === '0.0.0.0/0');
  if (worldOpen.length !== 1 || worldOpen[0]?.FromPort !== 443) problems.push(`after restrict, open to the world: ${worldOpen.map(line).join('; ') || 'nothing'} (expected HTTPS only)`);
  if (restricted.filter((r) => r.CidrIpv4 === '10.0.0.0/8').length !== 2) problems.push('the office range was not added for SSH and RDP');
  if (restore.status !== 'SUCCEEDED' || outcome(restore) !== 'REMEDIATED') problems.push(`restore ended ${restore.status} ${outcome(restore)}`);
  if (JSON.stringify(shape(restored)) !== JSON.stringify(shape(before))) problems.push('the restored rules differ from the original ones (apart from rule ids)');
  return problems;
}
