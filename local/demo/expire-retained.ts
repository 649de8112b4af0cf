import { CreateTagsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ExpiryReport } from '../../tasks/expire/build-expiry-report';
import { TAG, tagValue } from '../../tasks/lib/tags';

/**
 * expire-retained after the demo's encrypt-volumes: the originals it kept are due in 30 days, so the demo moves their
 * `remediation:retain-until` to yesterday (what 30 days would do), shows the plan, applies it, and checks that the
 * account then holds no unencrypted volume, and that the encrypted copies kept of their data are still there.
 */
export async function demoExpireRetained(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const retained = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag-key', Values: [TAG.replacedBy] }] }))).Volumes ?? [];
  const ids = retained.map((v) => v.VolumeId as string);
  if (ids.length === 0) return ['encrypt-volumes left no retained original to expire'];
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: TAG.retainUntil, Value: yesterday }] }));
  console.log(`Originals kept by encrypt-volumes: ${ids.join(', ')}; ${TAG.retainUntil} moved to ${yesterday} (as if the retention had passed).\n`);

  const problems: string[] = [];
  for (const mode of ['plan', 'apply'] as const) {
    const execution = await runWorkflow('expire-retained', { mode, trigger: { source: 'cli', principal: 'demo' } });
    const report = execution.output as ExpiryReport | undefined;
    console.log(`expire-retained (${mode}) ${execution.name}: ${execution.status} ${report?.outcome ?? `${execution.error}: ${execution.cause}`}`);
    for (const d of report?.wouldDelete ?? []) console.log(`  would delete ${d.resourceId} (${d.kind}): ${d.why}`);
    for (const a of report?.actions ?? []) console.log(`  ${a.action} ${a.resourceId}: ${String((a.before as { why?: string } | undefined)?.why)}`);
    for (const r of report?.refused ?? []) console.log(`  refused ${r.resourceId} (${r.kind}): ${r.reason}`);
    const expected = mode === 'plan' ? 'PLANNED' : 'REMEDIATED';
    if (execution.status !== 'SUCCEEDED' || report?.outcome !== expected) problems.push(`${mode} ended ${execution.status} ${report?.outcome ?? execution.error}, not ${expected}`);
  }
  const volumes = (await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [];
  const unencrypted = volumes.filter((v) => !v.Encrypted).map((v) => v.VolumeId as string);
  if (unencrypted.length > 0) problems.push(`unencrypted volumes left: ${unencrypted.join(', ')}`);
  const stillThere = volumes.filter((v) => ids.includes(v.VolumeId as string) && tagValue(v.Tags, TAG.replacedBy)).map((v) => v.VolumeId as string);
  if (stillThere.length > 0) problems.push(`originals not deleted: ${stillThere.join(', ')}`);
  const copies = (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.sourceVolume}`, Values: ids }] }))).Snapshots ?? [];
  const withoutCopy = ids.filter((id) => !copies.some((s) => s.Encrypted && tagValue(s.Tags, TAG.sourceVolume) === id));
  if (withoutCopy.length > 0) problems.push(`no encrypted copy kept of ${withoutCopy.join(', ')}`);
  if (problems.length === 0) console.log('End state verified: no unencrypted volume left in the account; the encrypted copies of the originals\' data are kept.');
  return problems;
}
