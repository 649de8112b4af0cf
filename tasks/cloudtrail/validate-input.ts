import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { parseOrThrow } from '../lib/validation';
import { enableCloudTrailInputSchema } from './lib/schema';
import type { CloudTrailContext } from './lib/trails';

export interface ValidateInputEvent {
  input: unknown;
  execution: ExecutionFacts;
}

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = async (event: ValidateInputEvent): Promise<CloudTrailContext> => {
  const request = parseOrThrow(enableCloudTrailInputSchema, event.input);
  const buckets = request.dataEventBuckets;
  logger.info('input accepted', { trailName: request.trailName, mode: request.mode, dataEventBuckets: Array.isArray(buckets) ? buckets.length : buckets ?? 'none' });
  return { request, execution: event.execution };
};
