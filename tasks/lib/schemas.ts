// zod/mini: the same schemas and JSON Schema export as classic zod at ~15 KB bundled instead of ~450 KB.
import * as z from 'zod/mini';

/** Who or what started a workflow; carried into the report. */
export const triggerSchema = z
  .strictObject({
    source: z.enum(['console', 'cli', 'eventbridge']),
    principal: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    eventId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    parentExecution: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  })
  .check(z.describe('Who or what started the remediation.'));

export type Trigger = z.output<typeof triggerSchema>;
