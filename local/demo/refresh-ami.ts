import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import Table from 'cli-table3';
import type { RefreshAmiReport } from '../../tasks/ami/build-refresh-ami-report';

/** moto's public images: an old Amazon Linux 2 (not the latest its SSM parameter names) and the current AL2023. */
const AL2_OLD = 'ami-04681a1dbd79675a5';
const AL2023_LATEST = 'ami-0ed094fb1304fd857';

/**
 * refresh-ami on an emulated account: the freshness report of two instances (one on an outdated AMI), then a backup
 * of one (the image reported pending once, as EC2 would), and the re-run that finds it. Returns the problems found.
 */
export async function demoRefreshAmi(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const launch = async (imageId: string, name: string) => (await ec2.send(new RunInstancesCommand({
    ImageId: imageId, MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
  }))).Instances?.[0]?.InstanceId as string;
  const outdated = await launch(AL2_OLD, 'demo-legacy');
  const current = await launch(AL2023_LATEST, 'demo-web');
  const problems: string[] = [];

  const reportInput = { action: 'report', instanceIds: [outdated, current] };
  console.log(`refresh-ami ${JSON.stringify(reportInput)}`);
  const reported = await runWorkflow('refresh-ami', reportInput);
  const freshness = (reported.output as RefreshAmiReport | undefined)?.freshness;
  const table = new Table({ head: ['instance', 'AMI', 'family', 'findings', 'latest'] });
  for (const i of freshness?.instances ?? []) table.push([i.instanceId, i.imageId, i.family ?? '-', i.findings.join(', ') || 'current', i.latest?.imageId ?? i.latest?.retired ?? '-']);
  console.log(`${table.toString()}\n`);
  const byId = new Map((freshness?.instances ?? []).map((i) => [i.instanceId, i.findings]));
  if (reported.status !== 'SUCCEEDED' || byId.get(outdated)?.[0] !== 'not-latest' || byId.get(current)?.length !== 0) problems.push('the report did not flag exactly the outdated instance');

  const backupInput = { action: 'backup', instanceId: current };
  console.log(`refresh-ami ${JSON.stringify(backupInput)}`);
  const backup = await runWorkflow('refresh-ami', backupInput, { faults: { imagePendingPolls: 1 } });
  const report = backup.output as RefreshAmiReport | undefined;
  console.log(`Execution ${backup.name}: ${backup.status} ${report?.outcome ?? `${backup.error}: ${backup.cause}`}; ${report?.plan.action === 'backup' ? report.plan.note : ''}`);
  const image = report?.image ? (await ec2.send(new DescribeImagesCommand({ ImageIds: [report.image.imageId] }))).Images?.[0] : undefined;
  console.log(`Image ${image?.ImageId} ${image?.Name}: ${image?.State}, tags ${(image?.Tags ?? []).map((t) => `${t.Key}=${t.Value}`).join(' ')}`);
  if (report?.outcome !== 'REMEDIATED' || image?.State !== 'available') problems.push(`the backup ended ${backup.status} ${report?.outcome ?? backup.error}`);
  const again = await runWorkflow('refresh-ami', backupInput);
  console.log(`Re-run ${again.name}: ${(again.output as RefreshAmiReport | undefined)?.outcome ?? again.error} (found ${image?.ImageId} by its name)`);
  if ((again.output as RefreshAmiReport | undefined)?.outcome !== 'NO_ACTION') problems.push('the re-run was not NO_ACTION');
  if (problems.length === 0) console.log('End state verified: the outdated AMI reported, one image of the instance, available and tagged; no instance replaced.');
  return problems;
}
