import { DescribeTrailsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { createKmsClient } from '../lib/clients/kms';
import { createS3Client } from '../lib/clients/s3';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { checkDataBuckets, enabledKeyArn } from './lib/checks';
import { type SelectorState, mergeSelectors, partitionOf } from './lib/selectors';
import { readEnv, requiredString } from '../lib/env';
import {
  type CloudTrailContext, type CloudTrailPlan, type DesiredSettings, type TrailFacts, readSelectors, readTrail, settingsProblems, toTrailFacts,
} from './lib/trails';

const ct = createCloudTrailClient();
const s3 = createS3Client();
const kms = createKmsClient();
const ENV = readEnv({ TRAIL_BUCKET_NAME: requiredString, TRAIL_NAME: requiredString, TRAIL_ARN: requiredString, AWS_REGION: requiredString });
const BUCKET = ENV.TRAIL_BUCKET_NAME;
/** The one trail the stack's bucket policy accepts logs from (aws:SourceArn). */
const OWN_TRAIL = ENV.TRAIL_NAME;
const OWN_TRAIL_ARN = ENV.TRAIL_ARN;
const REGION = ENV.AWS_REGION;
const PARTITION = partitionOf(REGION);

type Decision = Pick<CloudTrailPlan, 'trail' | 'reason' | 'trailAction' | 'needsStartLogging' | 'existing'> & { selectorsBefore: SelectorState };

/**
 * Read-only. The trail to use, in this order: the named trail when it has the settings; else an existing
 * multi-region trail that logs with the settings (never a second one); else our own trail brought back to the
 * settings; else a new one. A trail by that name with other settings that is not ours is reported, not changed.
 */
export const handler = async ({ request }: CloudTrailContext): Promise<CloudTrailPlan> => {
  await checkDataBuckets(s3, request.dataEventBuckets, REGION);
  const desired: DesiredSettings = {
    isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true,
    ...(request.kmsKeyId ? { kmsKeyArn: await enabledKeyArn(kms, request.kmsKeyId) } : {}),
  };
  const decision = await decide(request.trailName, desired);
  const selectors = mergeSelectors(decision.selectorsBefore, request.dataEventBuckets, PARTITION);
  if (selectors.changed && decision.trail.homeRegion !== REGION) {
    throw new PreconditionFailedError(`trail ${decision.trail.arn} already logs every region; run this workflow in its home region ${decision.trail.homeRegion} to add its data-event selectors`);
  }
  const chosen = { trail: decision.trail, reason: decision.reason, trailAction: decision.trailAction, needsStartLogging: decision.needsStartLogging,
    ...(decision.existing ? { existing: decision.existing } : {}) };
  const needsChange = chosen.trailAction !== 'none' || chosen.needsStartLogging || selectors.changed;
  const outcome = !needsChange ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { trail: chosen.trail.name, trailAction: chosen.trailAction, needsStartLogging: chosen.needsStartLogging, selectorsChanged: selectors.changed, outcome });
  return {
    ...chosen, outcome, selectors, desired: { ...desired, s3BucketName: BUCKET }, dataEventBuckets: request.dataEventBuckets ?? [],
  };
};

async function decide(trailName: string, desired: DesiredSettings): Promise<Decision> {
  const named = await readTrail(ct, trailName);
  const problems = named ? settingsProblems(named.facts, desired) : [];
  if (named && problems.length === 0) {
    return { ...use(named.facts, named.selectors), reason: `trail ${trailName} exists with the settings`, trailAction: 'none', needsStartLogging: !named.facts.isLogging };
  }
  const leftAlone = named ? `; trail ${trailName} (${problems.join(', ')}) is left as it is` : '';
  const reusable = await findCompliantLoggingTrail(desired);
  if (reusable) {
    return { ...use(reusable.facts, reusable.selectors), reason: `reusing multi-region trail ${reusable.facts.name}, which logs with the settings${leftAlone}`, trailAction: 'none', needsStartLogging: false };
  }
  if (named) {
    if (named.facts.s3BucketName !== BUCKET || named.facts.name !== OWN_TRAIL) {
      throw new PreconditionFailedError(`trail name ${trailName} is taken by a trail with different settings ` +
        `(${problems.join(', ')}; bucket ${named.facts.s3BucketName}); it is not changed: fix it, or choose another trailName`);
    }
    return { ...use(named.facts, named.selectors), reason: `trail ${trailName} lacks: ${problems.join(', ')}`, trailAction: 'update', needsStartLogging: !named.facts.isLogging };
  }
  if (trailName !== OWN_TRAIL) {
    throw new PreconditionFailedError(`no multi-region trail logs with the settings, and the stack's log bucket ${BUCKET} accepts logs only from trail ${OWN_TRAIL}: use trailName "${OWN_TRAIL}"`);
  }
  return {
    trail: { name: OWN_TRAIL, arn: OWN_TRAIL_ARN, homeRegion: REGION }, reason: 'no multi-region trail logs with the settings',
    trailAction: 'create', needsStartLogging: true, selectorsBefore: { style: 'basic', eventSelectors: [], advancedEventSelectors: [] },
  };
}

const use = (facts: TrailFacts, selectorsBefore: SelectorState) => ({
  trail: { name: facts.name, arn: facts.arn, homeRegion: facts.homeRegion }, existing: facts, selectorsBefore,
});

/** A trail that already logs every region with the settings: reused rather than creating a second one. */
async function findCompliantLoggingTrail(desired: DesiredSettings): Promise<{ facts: TrailFacts; selectors: SelectorState } | undefined> {
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
