import { gzipSync } from 'node:zlib';
import {
  AuthorizeSecurityGroupIngressCommand, CreateFlowLogsCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { trafficSection, trafficViewOf } from '../../cli/audit/render-traffic';
import type { InvestigationReport } from '../../tasks/network/build-investigation-report';
import { destinationFromEnv } from '../../tasks/network/lib/destination';
import { LOCAL_ACCOUNT, localRegion } from '../account';

/**
 * investigate-traffic on an emulated account: an ENI behind a group with SSH open to the world, a subnet flow
 * log to the stack's bucket, and one delivered file of records (moto delivers none: the demo writes what AWS
 * would). Runs the investigation with a block request and prints the report's tables; returns the problems found.
 * The block-source-ip execution it starts is recorded, not run: it would wait for a person's approval.
 */
export async function demoInvestigateTraffic(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const region = localRegion();
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.63.0.0/16' }))).Vpc?.VpcId as string;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.63.1.0/24' }))).Subnet?.SubnetId as string;
  const groupId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'demo-bastion', Description: 'bastion' }))).GroupId as string;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
  const address = '10.63.1.10';
  const eniId = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId], PrivateIpAddress: address }))).NetworkInterface?.NetworkInterfaceId as string;
  const bucketArn = destinationFromEnv().bucketArn;
  const flowLogId = (await ec2.send(new CreateFlowLogsCommand({
    ResourceIds: [subnetId], ResourceType: 'Subnet', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: bucketArn,
  }))).FlowLogIds?.[0] as string;

  const now = Math.floor(Date.now() / 1000) - 600;
  const rec = (src: string, dst: string, port: number, bytes: number, action: string) =>
    `2 ${LOCAL_ACCOUNT} ${eniId} ${src} ${dst} 50000 ${port} 6 5 ${bytes} ${now} ${now + 60} ${action} OK`;
  const lines = [
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    ...Array.from({ length: 5 }, () => rec('203.0.113.5', address, 22, 4000, 'ACCEPT')),
    ...Array.from({ length: 3 }, () => rec('198.51.100.9', address, 3389, 40, 'REJECT')),
    rec(address, '93.184.216.34', 443, 12000, 'ACCEPT'),
  ];
  const at = new Date(now * 1000);
  const day = at.toISOString().slice(0, 10).replace(/-/g, '/');
  const key = `AWSLogs/${LOCAL_ACCOUNT}/vpcflowlogs/${region}/${day}/${LOCAL_ACCOUNT}_vpcflowlogs_${region}_${flowLogId}_${at.toISOString().replace(/[-:]/g, '').slice(0, 13)}Z_demo.log.gz`;
  await new S3Client({ forcePathStyle: true }).send(new PutObjectCommand({ Bucket: bucketArn.replace('arn:aws:s3:::', ''), Key: key, Body: gzipSync(Buffer.from(`${lines.join('\n')}\n`)) }));
  console.log(`Seeded ENI ${eniId} (SSH open to the world in ${groupId}), subnet flow log ${flowLogId} to S3, ${lines.length - 1} records.\n`);

  const input = { eniIds: [eniId], block: true, blockCidrs: ['203.0.113.5/32'], trigger: { source: 'cli', principal: 'demo' } };
  console.log(`investigate-traffic ${JSON.stringify(input)}`);
  const execution = await runWorkflow('investigate-traffic', input, { children: 'record' });
  console.log(`Execution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
  const report = execution.output as InvestigationReport | undefined;
  console.log(trafficSection(trafficViewOf(report as unknown as Record<string, unknown>)).join('\n'));

  const problems: string[] = [];
  if (execution.status !== 'SUCCEEDED' || report?.outcome !== 'NO_ACTION') problems.push(`ended ${execution.status} ${report?.outcome ?? execution.error}`);
  if (report?.traffic?.worldOpenHits[0]?.topRemotes[0] !== '203.0.113.5') problems.push('the SSH connections through the world-open rule were not found');
  const started = execution.startedNotRun?.find((c) => c.workflow === 'block-source-ip');
  if (report?.block?.status !== 'started' || !started || report.block.execution?.name !== started.name) problems.push('block-source-ip was not started for the block request');
  else console.log(`block-source-ip ${started.name} started with ${JSON.stringify({ ...(started.input as Record<string, unknown>), trigger: '...' })}: it waits for approval.`);
  if (problems.length === 0) console.log('End state verified: nothing changed by the investigation; the world-open SSH rule and who used it reported; block-source-ip started, waiting for approval.');
  return problems;
}
