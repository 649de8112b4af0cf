import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { parseOrThrow } from '../lib/validation';
import { requiredEnv } from './config-state';
import { enableConfigInputSchema, type EnableConfigRequest } from './schema';

// Lambda runs in the stack's region, so this is both the execution's region and the default home region.
const REGION = requiredEnv('AWS_REGION');

export interface ValidateInputEvent {
  input: unknown;
  execution: ExecutionFacts;
}

/** What every enable-config task after this one is handed. */
export interface ConfigRunContext {
  request: EnableConfigRequest;
  execution: ExecutionFacts;
  region: string;
}

/** First state: checks the execution input's shape before anything is read or changed. */
export const handler = async (event: ValidateInputEvent): Promise<ConfigRunContext> => {
  const input = parseOrThrow(enableConfigInputSchema, event.input);
  const request: EnableConfigRequest = { ...input, homeRegion: input.homeRegion ?? REGION };
  logger.info('input accepted', { mode: request.mode, homeRegion: request.homeRegion, overwrite: request.overwrite });
  return { request, execution: event.execution, region: REGION };
};

