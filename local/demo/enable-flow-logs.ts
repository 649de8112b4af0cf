import { CreateFlowLogsCommand, CreateVpcCommand, DescribeFlowLogsCommand, EC2Client, type FlowLog } from '@aws-sdk/client-ec2';
import Table from 'cli-table3';
import { destinationFromEnv } from '../../tasks/network/lib/destination';
import type { FlowLogsReport } from '../../tasks/network/build-flow-logs-report';

const PLAIN = { head: [], border: [] };

/**
 * enable-flow-logs on an emulated account (the SDK already points at moto, the stack's destinations exist:
 * local/stack-resources.ts): seeds three VPCs (two without flow logs, one already logging to S3), runs plan
 * then apply, prints before/after and returns the problems found in the end state (none = right).
 */
export async function demoEnableFlowLogs(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const config = destinationFromEnv();
  const ec2 = new EC2Client({});

  const vpc = async (cidr: string) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
  const [web, data, logged] = [await vpc('10.60.0.0/16'), await vpc('10.61.0.0/16'), await vpc('10.62.0.0/16')] as [string, string, string];
  const existing = (await ec2.send(new CreateFlowLogsCommand({
    ResourceIds: [logged], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: config.bucketArn,
  }))).FlowLogIds?.[0] as string;
  const flowLogsOf = async (vpcId: string): Promise<FlowLog[]> =>
    (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [vpcId] }] }))).FlowLogs ?? [];
  console.log(`Seeded VPCs ${web} and ${data} without flow logs, ${logged} already logging to S3 (${existing}).\n`);

  const input = { vpcIds: [web, data, logged], destination: 's3', trigger: { source: 'cli', principal: 'demo' } };
  console.log(`enable-flow-logs (plan) ${JSON.stringify({ ...input, mode: 'plan' })}`);
  const plan = await runWorkflow('enable-flow-logs', { ...input, mode: 'plan' });
  const planned = plan.output as FlowLogsReport | undefined;
  console.log(`  -> ${plan.status} ${planned?.outcome ?? plan.error}: ${(planned?.vpcs ?? []).map((v) => `${v.vpcId} ${v.action}`).join(', ')}\n`);
  const afterPlan = (await Promise.all([web, data].map(flowLogsOf))).flat();

  console.log(`enable-flow-logs (apply) ${JSON.stringify(input)}`);
  const execution = await runWorkflow('enable-flow-logs', input);
  console.log(`Execution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
  const report = execution.output as FlowLogsReport | undefined;
  const table = new Table({ head: ['VPC', 'action', 'before', 'after'], style: PLAIN });
  const describe = (flowLogs: { flowLogId: string; destinationType: string; status: string }[]) =>
    flowLogs.map((f) => `${f.flowLogId} ${f.destinationType} ${f.status}`).join('\n') || '(none)';
  for (const v of report?.vpcs ?? []) table.push([v.vpcId, v.action, describe(v.before), describe(v.after)]);
  console.log(table.toString());

  const problems: string[] = [];
  if (plan.status !== 'SUCCEEDED' || planned?.outcome !== 'PLANNED') problems.push(`plan ended ${plan.status} ${planned?.outcome ?? plan.error}`);
  if (afterPlan.length > 0) problems.push(`plan mode created ${afterPlan.map((f) => f.FlowLogId).join(', ')}`);
  if (execution.status !== 'SUCCEEDED' || report?.outcome !== 'REMEDIATED') problems.push(`apply ended ${execution.status} ${report?.outcome ?? execution.error}`);
  for (const vpcId of [web, data]) {
    const ours = (await flowLogsOf(vpcId)).filter((f) => f.LogDestinationType === 's3' && f.LogDestination === config.bucketArn);
    if (ours.length !== 1 || ours[0]?.FlowLogStatus !== 'ACTIVE' || ours[0]?.DeliverLogsErrorMessage) {
      problems.push(`${vpcId} has ${ours.length} S3 flow logs (${ours.map((f) => `${f.FlowLogStatus}${f.DeliverLogsErrorMessage ? ` ${f.DeliverLogsErrorMessage}` : ''}`).join(', ')}), expected one ACTIVE and delivering`);
    }
  }
  const loggedNow = (await flowLogsOf(logged)).map((f) => f.FlowLogId);
  if (loggedNow.join() !== existing) problems.push(`${logged} changed: ${loggedNow.join(', ')} instead of ${existing}`);
  if (problems.length === 0) console.log('End state verified: every VPC logs to the S3 bucket once, the already-configured VPC untouched.');
  return problems;
}
