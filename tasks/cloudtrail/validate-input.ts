import { validateInputHandler } from '../lib/validate-input';
import { enableCloudTrailInputSchema } from './lib/schema';

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(enableCloudTrailInputSchema, {
  summary: (request) => {
    const buckets = request.dataEventBuckets;
    return { trailName: request.trailName, mode: request.mode, dataEventBuckets: Array.isArray(buckets) ? buckets.length : buckets ?? 'none' };
  },
});
