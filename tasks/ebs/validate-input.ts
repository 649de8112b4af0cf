import { encryptVolumesInputSchema } from './lib/schema';
import { validateInputHandler } from '../lib/validate-input';

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(encryptVolumesInputSchema, {
  summary: (request) => ({ instanceId: request.instanceId, mode: request.mode, strategy: request.strategy }),
});
