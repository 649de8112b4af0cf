import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFlowLogsCommand } from '@aws-sdk/client-ec2';
import type { AccountSeeder } from '../../local/seed';

/** CDK context `triage.allowedPrincipals`: only the ops role may start instances, so alice's start is a finding. */
export const OPS_ROLE = 'arn:aws:iam::123456789012:role/ops';

/** A started instance whose VPC already delivers flow logs (to CloudWatch Logs), so investigate-traffic can read them. */
export async function instanceWithFlowLogs(seeder: AccountSeeder, name: string): Promise<{ instanceId: string; vpcId: string }> {
  const { instanceId } = await seeder.createInstance({ name });
  const vpcId = (await seeder.describe(instanceId)).VpcId as string;
  const logGroupName = `/test/${name}`;
  await new CloudWatchLogsClient({}).send(new CreateLogGroupCommand({ logGroupName }));
  await seeder.ec2.send(new CreateFlowLogsCommand({
    ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', LogGroupName: logGroupName,
    DeliverLogsPermissionArn: 'arn:aws:iam::123456789012:role/flow-logs-delivery',
  }));
  return { instanceId, vpcId };
}
