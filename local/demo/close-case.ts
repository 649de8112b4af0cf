import { CreateSnapshotCommand, CreateTagsCommand, CreateVolumeCommand, DeleteTagsCommand, DescribeSnapshotsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { CloseCaseReport } from '../../tasks/case/build-close-report';
import type { ExpiryReport } from '../../tasks/expire/build-expiry-report';
import { TAG } from '../../tasks/lib/tags';

const CASE = 'case-demo-0a1b2c3d';

/**
 * A case as isolate-instance leaves it (seeded by its tag contract: a forensic snapshot tagged remediation:case, the
 * instance tagged remediation:isolated): close-case refuses while the instance is isolated, closes once it is released,
 * and expire-retained deletes the snapshot once the retention (moved to yesterday, as 30 days would) has passed.
 */
export async function demoCloseCase(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const instanceId = (await ec2.send(new RunInstancesCommand({
    ImageId: 'ami-04681a1dbd79675a5', MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAG.isolated, Value: CASE }] }],
  }))).Instances?.[0]?.InstanceId as string;
  const volumeId = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${await ec2.config.region()}a`, Size: 8, Encrypted: true }))).VolumeId as string;
  const snapshotId = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [
    { Key: TAG.case, Value: CASE }, { Key: TAG.workflow, Value: 'isolate-instance' }, { Key: TAG.execution, Value: `isolate-instance-${instanceId}` }] }] }))).SnapshotId as string;
  console.log(`Case ${CASE}: ${instanceId} isolated, forensic snapshot ${snapshotId}.`);
  const close = { caseId: CASE, reason: 'demo: investigation finished', trigger: { source: 'cli' as const, principal: 'demo' } };
  const problems: string[] = [];

  const refused = await runWorkflow('close-case', close);
  console.log(`close-case ${refused.name}: ${refused.status} ${refused.error}: ${refused.cause}`);
  if (refused.error !== 'PreconditionFailedError') problems.push(`close-case while isolated ended ${refused.status} ${refused.error}, not PreconditionFailedError`);

  await ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: TAG.isolated }] }));
  console.log(`${instanceId} released (isolate-instance's release removes ${TAG.isolated}).`);
  const closed = await runWorkflow('close-case', close);
  const report = closed.output as CloseCaseReport | undefined;
  console.log(`close-case ${closed.name}: ${closed.status} ${report?.outcome ?? closed.error}`);
  for (const a of report?.actions ?? []) console.log(`  ${a.action} ${a.resourceId}: ${JSON.stringify(a.before)} -> ${JSON.stringify(a.after)}`);
  if (report?.outcome !== 'REMEDIATED') problems.push(`close-case after the release ended ${closed.status} ${report?.outcome ?? closed.error}`);

  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [{ Key: TAG.retainUntil, Value: yesterday }] }));
  console.log(`${TAG.retainUntil} of ${snapshotId} moved to ${yesterday} (as if the retention had passed).`);
  const expired = await runWorkflow('expire-retained', { trigger: { source: 'cli', principal: 'demo' } });
  const expiry = expired.output as ExpiryReport | undefined;
  console.log(`expire-retained ${expired.name}: ${expired.status} ${expiry?.outcome ?? expired.error}`);
  for (const a of expiry?.actions ?? []) console.log(`  ${a.action} ${a.resourceId}: ${String((a.before as { why?: string } | undefined)?.why)}`);
  const left = (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: [snapshotId] }] }))).Snapshots ?? [];
  if (left.length > 0) problems.push(`the closed case's snapshot ${snapshotId} was not deleted`);
  if (problems.length === 0) console.log('End state verified: the case closed only once released, and its forensic snapshot deleted after its retention.');
  return problems;
}
