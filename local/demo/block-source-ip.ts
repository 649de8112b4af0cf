import { CreateSubnetCommand, CreateVpcCommand, DescribeNetworkAclsCommand, EC2Client, type NetworkAcl } from '@aws-sdk/client-ec2';
import Table from 'cli-table3';
import type { LocalEvent } from '../runner';

const PLAIN = { head: [], border: [] };
const ATTACKER = '203.0.113.66/32';

const naclOf = async (ec2: EC2Client, subnetId: string): Promise<NetworkAcl> =>
  (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls?.[0] ?? {};
const entries = (nacl: NetworkAcl) => (nacl.Entries ?? []).filter((e) => !e.Egress)
  .sort((a, b) => Number(a.RuleNumber) - Number(b.RuleNumber))
  .map((e) => `${e.RuleNumber} ${e.RuleAction} ${e.CidrBlock ?? e.Ipv6CidrBlock}`).join('\n');
const records = (nacl: NetworkAcl) => (nacl.Tags ?? []).filter((t) => t.Key?.startsWith('remediation:block:')).map((t) => `${t.Key} = ${t.Value}`).join('\n') || '(none)';

/**
 * block-source-ip then an early unblock-source-ip on an emulated account: a CIDR denied on a subnet's NACL for a day,
 * the block's execution waiting for that expiry, then the entry removed early, which stops the waiting execution.
 * Prints the NACL's inbound entries and block records at each step; returns the problems found (none = right).
 */
export async function demoBlockSourceIp(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.65.0.0/16' }))).Vpc?.VpcId as string;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.65.1.0/24' }))).Subnet?.SubnetId as string;
  const before = await naclOf(ec2, subnetId);
  console.log(`Subnet ${subnetId} in ${vpcId}, behind ${before.NetworkAclId} (the VPC's default NACL: ALLOW all at 100).\n`);

  const input = { cidrs: [ATTACKER], subnetIds: [subnetId], durationMinutes: 1440, trigger: { source: 'cli', principal: 'demo' } };
  console.log(`block-source-ip ${JSON.stringify(input)}`);
  // The block waits for its expiry in its own execution (here at most a minute of real time, unless the unblock stops it).
  let waiting: () => void = () => undefined;
  const inWait = new Promise<void>((resolve) => { waiting = resolve; });
  const onEvent = (e: LocalEvent) => { if (e.type === 'StateEntered' && e.state === 'WaitUntilExpiry') waiting(); };
  const running = runWorkflow('block-source-ip', input, { waitMs: 60_000, onEvent });
  await Promise.race([inWait, running]);
  const blocked = await naclOf(ec2, subnetId);
  console.log('  the block execution now waits for its expiry (WaitUntilExpiry), the NACL lock released');

  const unblockInput = { cidrs: [ATTACKER], naclIds: [before.NetworkAclId as string], trigger: { source: 'cli', principal: 'demo' } };
  console.log(`unblock-source-ip ${JSON.stringify(unblockInput)}`);
  const unblock = await runWorkflow('unblock-source-ip', unblockInput);
  const block = await running;
  const after = await naclOf(ec2, subnetId);
  console.log(`Execution ${unblock.name}: ${unblock.status}${unblock.error ? ` ${unblock.error}: ${unblock.cause}` : ''}`);
  console.log(`Execution ${block.name}: ${block.status}${block.error ? ` ${block.error}: ${block.cause}` : ''}`);

  const table = new Table({ head: ['NACL inbound', 'entries', 'block records'], style: PLAIN });
  table.push(['before', entries(before), records(before)], ['blocked', entries(blocked), records(blocked)], ['unblocked early', entries(after), records(after)]);
  console.log(table.toString());

  const problems: string[] = [];
  const deny = (blocked.Entries ?? []).find((e) => !e.Egress && e.RuleAction === 'deny' && e.CidrBlock === ATTACKER);
  if (!deny || Number(deny.RuleNumber) >= 100) problems.push(`no DENY of ${ATTACKER} below the first ALLOW while blocked`);
  if (unblock.status !== 'SUCCEEDED') problems.push(`unblock ended ${unblock.status} ${unblock.error}`);
  if (entries(after) !== entries(before) || records(after) !== '(none)') problems.push('the NACL is not as it was before the block');
  if (block.status !== 'ABORTED' || block.error !== 'UnblockedEarly') problems.push(`the block execution ended ${block.status} ${block.error ?? ''}, expected ABORTED UnblockedEarly`);
  return problems;
}
