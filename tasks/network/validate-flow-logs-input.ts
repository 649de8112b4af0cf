import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { parseOrThrow } from '../lib/validation';
import type { FlowLogsRunContext } from './lib/flow-logs';
import { enableFlowLogsInputSchema } from './lib/schema';

export interface ValidateFlowLogsInputEvent {
  input: unknown;
  execution: ExecutionFacts;
}

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = async (event: ValidateFlowLogsInputEvent): Promise<FlowLogsRunContext> => {
  const request = parseOrThrow(enableFlowLogsInputSchema, event.input);
  logger.info('input accepted', { vpcs: request.vpcIds?.length ?? 'all', destination: request.destination, mode: request.mode });
  return { request, execution: event.execution };
};
