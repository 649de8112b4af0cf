import type * as z from 'zod/mini';
import { proveTrigger } from './identity/trigger';
import { logger } from './logger';
import type { Trigger } from './schemas';
import type { ExecutionFacts } from './types';
import { parseOrThrow } from './validation';

export interface ValidateInputEvent {
  input: unknown;
  execution: ExecutionFacts;
}

export interface ValidateInputOptions<S extends z.ZodMiniType, R, X extends object> {
  /** The request the later tasks are handed, from the parsed input (default: the parsed input itself). */
  complete?: (input: z.output<S>) => R;
  /** Fields beside `request` and `execution` every later task gets (the region, say). */
  extra?: X;
  /** What to log about an accepted request (never the whole input). */
  summary: (request: R) => Record<string, unknown>;
}

/**
 * The first state of every workflow: checks the execution input against the workflow's zod schema
 * before anything is read or changed (InvalidInputError naming each offending field), verifies who
 * started it (tasks/lib/identity/trigger.ts), and hands the request on with the execution it belongs to.
 */
export function validateInputHandler<S extends z.ZodMiniType, R = z.output<S>, X extends object = Record<never, never>>(
  schema: S,
  options: ValidateInputOptions<S, R, X>,
): (event: ValidateInputEvent) => Promise<{ request: R; execution: ExecutionFacts } & X> {
  return async (event) => {
    const input = parseOrThrow(schema, event.input);
    const request = options.complete ? options.complete(input) : (input as unknown as R);
    // Every workflow's trigger: proven from who called StartExecution, or marked claimed.
    const withTrigger = request as { trigger?: Trigger };
    if (withTrigger.trigger) Object.assign(withTrigger, { trigger: await proveTrigger(withTrigger.trigger, event.execution.arn) });
    logger.info('input accepted', options.summary(request));
    return { request, execution: event.execution, ...(options.extra ?? ({} as X)) };
  };
}
