// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema (docs/schemas).
import * as z from 'zod/mini';
import { triggerSchema } from '../../lib/schemas';

export const expireRetainedInputSchema = z
  .strictObject({
    mode: z._default(z.enum(['apply', 'plan']), 'apply')
      .check(z.describe('plan lists everything apply would delete and every refusal, and deletes nothing.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the expire-retained workflow (the daily schedule starts it with {"mode": "apply", "trigger": {"source": "eventbridge"}}).'));

export type ExpireRetainedInput = z.output<typeof expireRetainedInputSchema>;

/** What the daily schedule starts the workflow with (infra/workflows/expire-retained.ts): the input a person would give. */
export const SCHEDULED_INPUT = { mode: 'apply', trigger: { source: 'eventbridge', principal: 'scheduler:expire-retained-daily' } } as const;
