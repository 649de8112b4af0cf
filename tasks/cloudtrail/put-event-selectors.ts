import { PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { logger } from '../lib/logger';
import type { DataEventBuckets } from './lib/schema';
import { mergeSelectors, partitionOf, type SelectorState } from './lib/selectors';
import { readEnv, requiredString } from '../lib/env';
import { explainTrailError, readSelectors } from './lib/trails';

const ct = createCloudTrailClient();
const ENV = readEnv({ TRAIL_BUCKET_NAME: requiredString, AWS_REGION: requiredString });
const BUCKET = ENV.TRAIL_BUCKET_NAME;
const PARTITION = partitionOf(ENV.AWS_REGION);

export interface PutEventSelectorsEvent {
  trailName: string;
  dataEventBuckets?: DataEventBuckets;
}

export interface SelectorChange {
  before: SelectorState;
  after: SelectorState;
  added: string[];
  changed: boolean;
  at: string;
}

/**
 * Adds the S3 data-event selectors asked for to what the trail has now (re-read here, not taken from the
 * plan, so a change made since preflight is kept too). Idempotent: when everything is covered, no call.
 */
export const handler = async ({ trailName, dataEventBuckets }: PutEventSelectorsEvent): Promise<SelectorChange> => {
  const before = await readSelectors(ct, trailName);
  const merge = mergeSelectors(before, dataEventBuckets, PARTITION);
  const at = new Date().toISOString();
  if (!merge.changed) return { ...merge, at };
  try {
    // One style only: CloudTrail refuses basic and advanced selectors in one request.
    await ct.send(new PutEventSelectorsCommand(merge.after.style === 'advanced'
      ? { TrailName: trailName, AdvancedEventSelectors: merge.after.advancedEventSelectors }
      : { TrailName: trailName, EventSelectors: merge.after.eventSelectors }));
  } catch (error) {
    return explainTrailError(error, trailName, BUCKET);
  }
  logger.info('event selectors merged', { trail: trailName, style: merge.after.style, added: merge.added });
  return { ...merge, at };
};
