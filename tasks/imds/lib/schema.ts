// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { ec2IdSchema, triggerSchema } from '../../lib/schemas';

/** Instances one execution names at most (DescribeInstances takes 1,000 ids; LockResources tags them in one call). */
export const MAX_INSTANCE_IDS = 200;
/** CloudWatch keeps daily data points for 455 days. */
export const MAX_WINDOW_DAYS = 455;
export const DEFAULT_WINDOW_DAYS = 14;

export const enforceImdsv2InputSchema = z
  .strictObject({
    instanceIds: z.optional(z.array(ec2IdSchema('i')).check(
      z.minLength(1), z.maxLength(MAX_INSTANCE_IDS),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat an instance'),
      z.describe('These instances (give instanceIds or allInstances: true).'),
    )),
    allInstances: z.optional(z.literal(true).check(z.describe('Every running or stopped instance of the region that allows IMDSv1.'))),
    httpPutResponseHopLimit: z.optional(z.number().check(z.int(), z.gte(1), z.lte(64), z.describe(
      'Also set the PUT response hop limit (1-64; 2 for containers that reach IMDS through a bridge). Default: keep each instance\'s.',
    ))),
    accountDefault: z._default(z.boolean(), false).check(z.describe(
      "Also set the region's instance metadata defaults to HttpTokens=required (ModifyInstanceMetadataDefaults): new launches get IMDSv2 only.",
    )),
    v1UsageWindowDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(MAX_WINDOW_DAYS)), DEFAULT_WINDOW_DAYS).check(z.describe(
      'How far back the MetadataNoToken metric is read for IMDSv1 use (days).',
    )),
    allowV1Breakage: z._default(z.boolean(), false).check(z.describe(
      'Enforce on instances whose software used IMDSv1 within the window too (it will fail to read instance metadata). Default: they are left out and reported.',
    )),
    approval: z._default(z.boolean(), false).check(z.describe('Pause for a person\'s answer (remediate approve|reject) before any change.')),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => !(i.instanceIds && i.allInstances), 'give instanceIds or allInstances, not both'),
    z.refine((i) => Boolean(i.instanceIds || i.allInstances || i.accountDefault), 'give instanceIds, allInstances: true or accountDefault: true'),
    z.describe('Input of the enforce-imdsv2 workflow.'),
  );

export type ImdsRequest = z.output<typeof enforceImdsv2InputSchema>;
