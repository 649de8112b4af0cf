import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { DataEventBuckets } from './lib/schema';
import { droppedSelectors, missingTargets, partitionOf, type SelectorState } from './lib/selectors';
import { readEnv, requiredString } from '../lib/env';
import { type DesiredSettings, type TrailFacts, readTrail, settingsProblems } from './lib/trails';

const ct = createCloudTrailClient();
const ENV = readEnv({ AWS_REGION: requiredString });
const PARTITION = partitionOf(ENV.AWS_REGION);

export interface VerifyTrailEvent {
  trailName: string;
  desired: DesiredSettings;
  dataEventBuckets?: DataEventBuckets;
  /** The selectors the trail had before this run changed them. */
  selectorsBefore: SelectorState;
}

export interface TrailVerification {
  verifiedAt: string;
  trail: TrailFacts;
  selectors: SelectorState;
}

/** Re-reads the trail: settings, logging, every selector asked for and every selector it had before. */
export const handler = async (event: VerifyTrailEvent): Promise<TrailVerification> => {
  const found = await readTrail(ct, event.trailName);
  if (!found) throw new VerificationFailedError(`verification failed: trail ${event.trailName} does not exist`);
  const problems = [
    ...settingsProblems(found.facts, event.desired),
    ...(found.facts.isLogging ? [] : ['the trail is not logging']),
    ...missingTargets(found.selectors, event.dataEventBuckets, PARTITION).map((t) => `no data-event selector for ${t}`),
    ...droppedSelectors(event.selectorsBefore, found.selectors).map((d) => `lost ${d}`),
  ];
  if (problems.length > 0) throw new VerificationFailedError(`verification failed for trail ${event.trailName}: ${problems.join('; ')}`);
  logger.info('trail verified', { trail: event.trailName });
  return { verifiedAt: new Date().toISOString(), trail: found.facts, selectors: found.selectors };
};
