// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema (docs/schemas).
import * as z from 'zod/mini';
import { triggerSchema } from '../../lib/schemas';
import { caseIdSchema } from '../../principal/lib/schema';

/** How much of a reason the snapshots' tags cannot hold is kept: the execution history holds it whole. */
export const MAX_REASON = 500;

export const closeCaseInputSchema = z
  .strictObject({
    caseId: caseIdSchema.check(z.describe('The case to close: the id its forensic snapshots carry in remediation:case (isolate-instance) and its contain-principal record has.')),
    reason: z.string().check(
      z.trim(), z.minLength(1, 'must say why the case is closed'), z.maxLength(MAX_REASON, `must be at most ${MAX_REASON} characters`),
      z.describe('Why the case is closed (the audit record: the execution history keeps it with who started it).'),
    ),
    force: z._default(z.boolean(), false)
      .check(z.describe('true: close even though the contain-principal case of this id has not been released (its keys stay Inactive); the report says so.')),
    approval: z._default(z.boolean(), false).check(z.describe('true: publish the plan and wait for a person to approve before any tag is set.')),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan lists the snapshots it would mark and changes nothing.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the close-case workflow: marks a case\'s forensic snapshots closed, so expire-retained may delete them once their retention has passed.'));

export type CloseCaseInput = z.output<typeof closeCaseInputSchema>;
