import { validateInputHandler } from '../lib/validate-input';
import { investigateTrafficInputSchema } from './lib/investigate-schema';

/** First state: checks the execution input's shape before anything is read. */
export const handler = validateInputHandler(investigateTrafficInputSchema, {
  summary: (request) => ({ instanceId: request.instanceId, enis: request.eniIds?.length, block: request.block, mode: request.mode }),
});
