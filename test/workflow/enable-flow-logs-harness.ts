import { CreateFlowLogsCommand, CreateVpcCommand, DescribeFlowLogsCommand, EC2Client, type FlowLog } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { DESTINATION_ENV } from '../../tasks/network/lib/destination';

export const BUCKET = 'remediation-flow-logs-123456789012';
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
export const LOG_GROUP = '/remediation/vpc-flow-logs';
export const LOG_GROUP_ARN = `arn:aws:logs:us-east-1:123456789012:log-group:${LOG_GROUP}:*`;
export const ROLE_NAME = 'remediation-flow-logs-delivery';
export const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;

export interface FlowLogsHarness {
  moto: MotoServer;
  ec2: EC2Client;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  createVpc: (cidr: string) => Promise<string>;
  flowLogsOf: (vpcId: string) => Promise<FlowLog[]>;
}

/**
 * One moto server per test file. The local runner does not deploy the stack, so the destinations it owns (bucket,
 * log group, delivery role) are created here and named to the handlers through the environment the stack sets.
 */
export async function startFlowLogsHarness(): Promise<FlowLogsHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  process.env[DESTINATION_ENV.bucketArn] = BUCKET_ARN;
  process.env[DESTINATION_ENV.logGroupArn] = LOG_GROUP_ARN;
  process.env[DESTINATION_ENV.deliveryRoleArn] = ROLE_ARN;
  await new S3Client({}).send(new CreateBucketCommand({ Bucket: BUCKET }));
  await new CloudWatchLogsClient({}).send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await new IAMClient({}).send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const { runWorkflow } = await import('../../local/runner');
  const ec2 = new EC2Client({});
  return {
    moto,
    ec2,
    run: (input, options) => runWorkflow('enable-flow-logs', input, options),
    createVpc: async (cidr) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string,
    flowLogsOf: async (vpcId) => (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [vpcId] }] }))).FlowLogs ?? [],
  };
}

/** A flow log someone set up before the workflow ran. */
export async function existingFlowLog(ec2: EC2Client, vpcId: string, destination: 's3' | 'cloud-watch-logs'): Promise<string> {
  const out = await ec2.send(new CreateFlowLogsCommand(destination === 's3'
    ? { ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: BUCKET_ARN }
    : { ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', LogGroupName: LOG_GROUP, DeliverLogsPermissionArn: ROLE_ARN }));
  return out.FlowLogIds?.[0] as string;
}
