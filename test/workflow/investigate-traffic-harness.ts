import { gzipSync } from 'node:zlib';
import {
  AuthorizeSecurityGroupIngressCommand, CreateFlowLogsCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand,
  CreateVpcCommand, DescribeSecurityGroupRulesCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const LOG_GROUP = '/test/investigate-flow-logs';
export const BUCKET = 'investigate-flow-logs-test';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/flow-logs-delivery`;

export interface Eni { eniId: string; address: string; subnetId: string; vpcId: string; groupId: string; sshRuleId: string }

export interface InvestigateHarness {
  moto: MotoServer;
  ec2: EC2Client;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  /** An ENI in a new subnet of `vpcId` (or a new VPC), in a group with tcp/22 open to 0.0.0.0/0 and tcp/443 from 10.0.0.0/8 only. */
  createEni: (cidr: string, vpcId?: string) => Promise<Eni>;
  flowLogToCloudWatch: (eniId: string) => Promise<string>;
  flowLogToS3: (subnetId: string, logFormat?: string) => Promise<string>;
  putEvents: (eniId: string, lines: { at: number; line: string }[]) => Promise<void>;
  putS3File: (flowLogId: string, at: Date, lines: string[]) => Promise<string>;
}

export async function startInvestigateHarness(): Promise<InvestigateHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const ec2 = new EC2Client({});
  const logs = new CloudWatchLogsClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const { runWorkflow } = await import('../../local/runner');
  let n = 0;
  return {
    moto, ec2,
    run: (input, options) => runWorkflow('investigate-traffic', input, options),
    createEni: async (cidr, existingVpc) => {
      n += 1;
      const vpcId = existingVpc ?? (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr.replace(/\.\d+\.0\/24$/, '.0.0/16') }))).Vpc?.VpcId as string;
      const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr }))).Subnet?.SubnetId as string;
      const groupId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `web-${n}`, Description: 'web' }))).GroupId as string;
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ] }));
      const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];
      const sshRuleId = rules.find((r) => r.FromPort === 22 && !r.IsEgress)?.SecurityGroupRuleId as string;
      const address = cidr.replace(/0\/24$/, '10');
      const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId], PrivateIpAddress: address }))).NetworkInterface;
      return { eniId: eni?.NetworkInterfaceId as string, address, subnetId, vpcId, groupId, sshRuleId };
    },
    flowLogToCloudWatch: async (eniId) => (await ec2.send(new CreateFlowLogsCommand({
      ResourceIds: [eniId], ResourceType: 'NetworkInterface', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', LogGroupName: LOG_GROUP, DeliverLogsPermissionArn: ROLE_ARN,
    }))).FlowLogIds?.[0] as string,
    flowLogToS3: async (subnetId, logFormat) => (await ec2.send(new CreateFlowLogsCommand({
      ResourceIds: [subnetId], ResourceType: 'Subnet', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: `arn:aws:s3:::${BUCKET}`, ...(logFormat ? { LogFormat: logFormat } : {}),
    }))).FlowLogIds?.[0] as string,
    putEvents: async (eniId, lines) => {
      const logStreamName = `${eniId}-all`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName }));
      await logs.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName, logEvents: lines.map((l) => ({ timestamp: l.at, message: l.line })) }));
    },
    putS3File: async (flowLogId, at, lines) => {
      const [y, m, d] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()].map((v) => String(v).padStart(2, '0'));
      const stamp = at.toISOString().replace(/[-:]/g, '').slice(0, 13);
      const key = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${y}/${m}/${d}/${ACCOUNT}_vpcflowlogs_${REGION}_${flowLogId}_${stamp}Z_abc123.log.gz`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(Buffer.from(lines.join('\n') + '\n')) }));
      return key;
    },
  };
}

/** A default-format (v2) record line. */
export const v2 = (eniId: string, src: string, dst: string, srcPort: number, dstPort: number, protocol: number, packets: number, bytes: number, start: number, action: string, status = 'OK') =>
  `2 ${ACCOUNT} ${eniId} ${src} ${dst} ${srcPort} ${dstPort} ${protocol} ${packets} ${bytes} ${start} ${start + 60} ${action} ${status}`;
