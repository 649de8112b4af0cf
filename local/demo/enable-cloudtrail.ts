import {
  CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import Table from 'cli-table3';
import type { CloudTrailReport } from '../../tasks/cloudtrail/build-report';

const PLAIN = { head: [], border: [] };
const DATA_BUCKET = 'demo-app-data';

interface TrailView {
  name: string;
  multiRegion: boolean;
  validation: boolean;
  logging: boolean;
  dataEvents: string[];
}

async function view(ct: CloudTrailClient): Promise<TrailView[]> {
  const trails = (await ct.send(new DescribeTrailsCommand({}))).trailList ?? [];
  return Promise.all(trails.map(async (t) => {
    const selectors = await ct.send(new GetEventSelectorsCommand({ TrailName: t.Name }));
    return {
      name: t.Name ?? '',
      multiRegion: t.IsMultiRegionTrail ?? false,
      validation: t.LogFileValidationEnabled ?? false,
      logging: (await ct.send(new GetTrailStatusCommand({ Name: t.Name }))).IsLogging ?? false,
      dataEvents: [
        ...(selectors.EventSelectors ?? []).flatMap((s) => (s.DataResources ?? []).flatMap((d) => d.Values ?? [])),
        ...(selectors.AdvancedEventSelectors ?? []).map((s) => s.Name ?? 'advanced'),
      ],
    };
  }));
}

const cell = (trails: TrailView[]) => trails.map((t) =>
  `${t.name}: ${t.multiRegion ? 'multi-region' : 'single-region'}, ${t.validation ? 'validated' : 'no validation'}, ` +
  `${t.logging ? 'logging' : 'NOT logging'}\n  data events: ${t.dataEvents.join(' ') || '(none)'}`).join('\n') || '(no trail)';

/**
 * enable-cloudtrail on an emulated account (the SDK already points at moto, the stack's log bucket exists:
 * local/stack-resources.ts): creates a data bucket, leaves a legacy single-region trail that does not log,
 * runs plan then apply, prints before/after and returns the problems found in the end state (none = right).
 */
export async function demoEnableCloudTrail(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  // The task environment comes from the synthesized template: the stack's log bucket and the one trail its policy accepts.
  const trailName = process.env.TRAIL_NAME as string;
  const logBucket = process.env.TRAIL_BUCKET_NAME as string;
  const s3 = new S3Client({ forcePathStyle: true });
  for (const Bucket of [DATA_BUCKET, 'legacy-trail-logs']) {
    await s3.send(new CreateBucketCommand({ Bucket })).catch((error: Error) => {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(error.name)) throw error;
    });
  }
  const ct = new CloudTrailClient({});
  await ct.send(new CreateTrailCommand({ Name: 'legacy-trail', S3BucketName: 'legacy-trail-logs' })).catch((error: Error) => {
    if (error.name !== 'TrailAlreadyExistsException') throw error;
  });
  const before = await view(ct);
  console.log(`The account has only a single-region trail that does not log; the stack's log bucket is ${logBucket}.\n`);

  const input = { dataEventBuckets: [DATA_BUCKET], trigger: { source: 'cli', principal: 'demo' } };
  console.log(`enable-cloudtrail (plan) ${JSON.stringify({ ...input, mode: 'plan' })}`);
  const plan = await runWorkflow('enable-cloudtrail', { ...input, mode: 'plan' });
  const planned = plan.output as CloudTrailReport | undefined;
  console.log(`  -> ${plan.status} ${planned?.outcome ?? plan.error}: ${planned?.plan.trailAction ?? '-'} ${planned?.plan.trail.name ?? ''} (${planned?.plan.reason ?? ''})\n`);
  const afterPlan = await view(ct);

  console.log(`enable-cloudtrail (apply) ${JSON.stringify(input)}`);
  const execution = await runWorkflow('enable-cloudtrail', input);
  console.log(`Execution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
  const report = execution.output as CloudTrailReport | undefined;
  const after = await view(ct);
  const table = new Table({ head: ['', 'trails'], style: PLAIN });
  table.push(['before', cell(before)], ['after', cell(after)]);
  console.log(table.toString());
  console.log(`Actions: ${(report?.actions ?? []).map((a) => `${a.action} ${a.resourceId}`).join('; ') || '(none)'}`);

  const problems: string[] = [];
  if (plan.status !== 'SUCCEEDED' || planned?.outcome !== 'PLANNED') problems.push(`plan ended ${plan.status} ${planned?.outcome ?? plan.error}`);
  if (JSON.stringify(afterPlan) !== JSON.stringify(before)) problems.push('plan mode changed the account');
  if (execution.status !== 'SUCCEEDED' || report?.outcome !== 'REMEDIATED') problems.push(`apply ended ${execution.status} ${report?.outcome ?? execution.error}`);
  const ours = after.find((t) => t.name === trailName);
  if (!ours) problems.push(`trail ${trailName} does not exist`);
  else {
    if (!ours.multiRegion || !ours.validation || !ours.logging) problems.push(`trail ${trailName} is not multi-region, validated and logging`);
    if (!ours.dataEvents.includes(`arn:aws:s3:::${DATA_BUCKET}/`)) problems.push(`trail ${trailName} does not log data events of ${DATA_BUCKET}`);
  }
  if (JSON.stringify(after.find((t) => t.name === 'legacy-trail')) !== JSON.stringify(before.find((t) => t.name === 'legacy-trail'))) {
    problems.push('the legacy trail was changed');
  }
  if (after.length !== before.length + 1) problems.push(`${after.length} trails, expected ${before.length + 1}`);
  return problems;
}
