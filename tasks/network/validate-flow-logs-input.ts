import { validateInputHandler } from '../lib/validate-input';
import { enableFlowLogsInputSchema } from './lib/schema';

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(enableFlowLogsInputSchema, {
  summary: (request) => ({ vpcs: request.vpcIds?.length ?? 'all', destination: request.destination, mode: request.mode }),
});
