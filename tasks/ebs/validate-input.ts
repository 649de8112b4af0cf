import { logger } from '../lib/logger';
import { encryptVolumesInputSchema } from '../lib/schemas';
import type { ExecutionFacts, RunContext } from '../lib/types';
import { parseOrThrow } from '../lib/validation';

export interface ValidateInputEvent {
  input: unknown;
  execution: ExecutionFacts;
}

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = async (event: ValidateInputEvent): Promise<RunContext> => {
  const request = parseOrThrow(encryptVolumesInputSchema, event.input);
  logger.info('input accepted', { instanceId: request.instanceId, mode: request.mode, strategy: request.strategy });
  return { request, execution: event.execution };
};
