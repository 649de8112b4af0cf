import { DescribeTrailsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand } from '@aws-sdk/client-s3';
import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { createKmsClient } from '../lib/clients/kms';
import { createS3Client } from '../lib/clients/s3';
import { PreconditionFailedError, ResourceNotFoundError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { mergeSelectors, partitionOf } from './lib/selectors';
import {
  type CloudTrailContext, type CloudTrailPlan, type DesiredSettings, readSelectors, readTrail, requiredEnv, settingsProblems, toTrailFacts,
} from './lib/trails';

const ct = createCloudTrailClient();
const s3 = createS3Client();
const kms = createKmsClient();
const BUCKET = requiredEnv('TRAIL_BUCKET_NAME');
/** The one trail name the stack's bucket policy accepts logs from (aws:SourceArn). */
const OWN_TRAIL = requiredEnv('TRAIL_NAME');
const OWN_TRAIL_ARN = requiredEnv('TRAIL_ARN');
const REGION = requiredEnv('AWS_REGION');

/** Read-only: which trail to use (reuse, update ours, or create), whether it must start logging, and the merged selectors. */
export const handler = async ({ request }: CloudTrailContext): Promise<CloudTrailPlan> => {
  await checkDataBuckets(request.dataEventBuckets);
  const desired: DesiredSettings = {
    isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true,
    ...(request.kmsKeyId ? { kmsKeyArn: await keyArnOf(request.kmsKeyId) } : {}),
  };
  const partition = partitionOf(REGION);
  const base = { desired: { ...desired, s3BucketName: BUCKET }, dataEventBuckets: request.dataEventBuckets ?? [] };
  const named = await readTrail(ct, request.trailName);

  let plan: Omit<CloudTrailPlan, 'outcome'>;
  if (named) {
    const problems = settingsProblems(named.facts, desired);
    if (problems.length > 0 && (named.facts.s3BucketName !== BUCKET || named.facts.name !== OWN_TRAIL)) {
      throw new PreconditionFailedError(`trail name ${request.trailName} is taken by a trail with different settings ` +
        `(${problems.join(', ')}; bucket ${named.facts.s3BucketName}); it is not changed: fix it, or choose another trailName`);
    }
    plan = {
      ...base, trail: pick(named.facts), existing: named.facts,
      reason: problems.length > 0 ? `trail ${named.facts.name} lacks: ${problems.join(', ')}` : `trail ${named.facts.name} exists with the settings`,
      trailAction: problems.length > 0 ? 'update' : 'none', needsStartLogging: !named.facts.isLogging,
      selectors: mergeSelectors(named.selectors, request.dataEventBuckets, partition),
    };
  } else {
    const reusable = await findCompliantLoggingTrail(desired);
    if (reusable) {
      const selectors = mergeSelectors(reusable.selectors, request.dataEventBuckets, partition);
      if (selectors.changed && reusable.facts.homeRegion !== REGION) {
        throw new PreconditionFailedError(`trail ${reusable.facts.arn} already logs every region; run this workflow in its home region ${reusable.facts.homeRegion} to add its data-event selectors`);
      }
      plan = {
        ...base, trail: pick(reusable.facts), existing: reusable.facts, reason: `reusing multi-region trail ${reusable.facts.name}, which logs with the settings`,
        trailAction: 'none', needsStartLogging: false, selectors,
      };
    } else {
      if (request.trailName !== OWN_TRAIL) {
        throw new PreconditionFailedError(`no multi-region trail logs with the settings, and the stack's log bucket ${BUCKET} accepts logs only from trail ${OWN_TRAIL}: use trailName "${OWN_TRAIL}"`);
      }
      const fresh = { style: 'basic' as const, eventSelectors: [], advancedEventSelectors: [] };
      plan = {
        ...base, trail: { name: OWN_TRAIL, arn: OWN_TRAIL_ARN, homeRegion: REGION }, reason: 'no multi-region trail logs with the settings',
        trailAction: 'create', needsStartLogging: true, selectors: mergeSelectors(fresh, request.dataEventBuckets, partition),
      };
    }
  }
  const needsChange = plan.trailAction !== 'none' || plan.needsStartLogging || plan.selectors.changed;
  const outcome = !needsChange ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { trail: plan.trail.name, trailAction: plan.trailAction, needsStartLogging: plan.needsStartLogging, selectorsChanged: plan.selectors.changed, outcome });
  return { ...plan, outcome };
};

const pick = (t: { name: string; arn: string; homeRegion: string }) => ({ name: t.name, arn: t.arn, homeRegion: t.homeRegion });

/** Every requested bucket exists and is in this region, before anything changes. */
async function checkDataBuckets(buckets: CloudTrailContext['request']['dataEventBuckets']): Promise<void> {
  if (!Array.isArray(buckets)) return;
  for (const bucket of buckets) {
    let region: string;
    try {
      const out = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
      // S3 reports us-east-1 as no constraint, and eu-west-1 as the legacy "EU".
      region = !out.LocationConstraint ? 'us-east-1' : out.LocationConstraint === 'EU' ? 'eu-west-1' : out.LocationConstraint;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NoSuchBucket') throw new ResourceNotFoundError(`data event bucket ${bucket} does not exist`);
      if (name === 'AccessDenied') throw new PreconditionFailedError(`data event bucket ${bucket} is not readable by this account (another account's bucket?)`);
      throw error;
    }
    if (region !== REGION) throw new PreconditionFailedError(`data event bucket ${bucket} is in ${region}, not ${REGION}: run the workflow in ${region} for it`);
  }
}

/** A trail that already logs every region with the settings: reused rather than creating a second one. */
async function findCompliantLoggingTrail(desired: DesiredSettings) {
  const trails: Trail[] = (await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
  for (const trail of trails) {
    if (!trail.IsMultiRegionTrail || !trail.TrailARN || trail.IsOrganizationTrail) continue;
    const status = await ct.send(new GetTrailStatusCommand({ Name: trail.TrailARN }));
    const facts = toTrailFacts(trail, status.IsLogging ?? false);
    if (!facts.isLogging || settingsProblems(facts, desired).length > 0) continue;
    return { facts, selectors: await readSelectors(ct, facts.homeRegion === REGION ? facts.name : facts.arn) };
  }
  return undefined;
}

async function keyArnOf(keyId: string): Promise<string> {
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (out.KeyMetadata?.KeyState !== 'Enabled') throw new PreconditionFailedError(`KMS key ${keyId} is ${out.KeyMetadata?.KeyState ?? 'unusable'}`);
    return out.KeyMetadata.Arn as string;
  } catch (error) {
    if (awsErrorName(error) === 'NotFoundException') throw new ResourceNotFoundError(`KMS key ${keyId} does not exist`);
    throw error;
  }
}

