import { completeRequest, highCpuInputSchema } from './lib/schema';
import { validateInputHandler } from '../lib/validate-input';

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(highCpuInputSchema, {
  complete: completeRequest,
  summary: (request) => ({ instanceId: request.instanceId, mode: request.mode, resize: request.resize, targetType: request.targetType }),
});
