// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema, ec2IdSchema } from '../../lib/schemas';
import { cidrSchema } from './block-schema';

/** ENIs one execution reads at most (an instance has at most 15; one CloudWatch Logs filter names at most 100 streams). */
export const MAX_ENIS = 15;
/** Records read at most by default (input `maxRecords`); the report says when the cap was hit. */
export const DEFAULT_MAX_RECORDS = 100_000;
/** The hard ceiling for `maxRecords`: what one task reads and aggregates well inside its 50 s and 1 GB. */
export const MAX_RECORDS_CEILING = 1_000_000;
/** The window one execution reads at most. */
export const MAX_WINDOW_HOURS = 7 * 24;
export const DEFAULT_WINDOW_MINUTES = 60;

const instanceId = ec2IdSchema('i');
const eniId = ec2IdSchema('eni');
const isoTime = z.string().check(z.refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z'));
// The CIDRs handed to block-source-ip are checked exactly as it checks them.
const cidr = cidrSchema;

export const investigateTrafficInputSchema = z
  .strictObject({
    instanceId: z.optional(instanceId.check(z.describe('The instance whose ENIs are investigated (give either instanceId or eniIds).'))),
    eniIds: z.optional(z.array(eniId).check(
      z.minLength(1), z.maxLength(MAX_ENIS),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat an ENI'),
      z.describe('These network interfaces (give either instanceId or eniIds).'),
    )),
    from: z.optional(isoTime.check(z.describe('Start of the window (default: an hour before `to`).'))),
    to: z.optional(isoTime.check(z.describe('End of the window (default: when the execution started).'))),
    maxRecords: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_RECORDS_CEILING)), DEFAULT_MAX_RECORDS).check(
      z.describe('Flow-log records read at most; the report says when the cap was hit.'),
    ),
    top: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 20).check(z.describe('How many top talkers the report lists.')),
    block: z._default(z.boolean(), false).check(z.describe('Ask block-source-ip (through its approval gate) to block blockCidrs.')),
    blockCidrs: z.optional(z.array(cidr).check(z.minLength(1), z.maxLength(20), z.describe('The CIDRs to block, chosen from a previous report.'))),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan lists the flow logs and security-group review, reading no records.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((input) => (input.instanceId === undefined) !== (input.eniIds === undefined), 'give exactly one of instanceId or eniIds'),
    z.refine((input) => !input.block || (input.blockCidrs?.length ?? 0) > 0, 'block: true needs blockCidrs'),
    z.refine((input) => input.block || input.blockCidrs === undefined, 'blockCidrs is only read with block: true'),
    z.refine((input) => input.from === undefined || input.to === undefined || Date.parse(input.from) < Date.parse(input.to), 'from must be before to'),
    z.refine((input) => input.from === undefined || input.to === undefined || Date.parse(input.to) - Date.parse(input.from) <= MAX_WINDOW_HOURS * 3600_000,
      `the window is at most ${MAX_WINDOW_HOURS} hours`),
    z.describe('Input of the investigate-traffic workflow (read-only: it changes nothing).'),
  );

export type InvestigateTrafficInput = z.output<typeof investigateTrafficInputSchema>;
