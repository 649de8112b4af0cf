// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema, ec2IdSchema } from '../../lib/schemas';

/** VPCs one execution handles at most: one Map iteration each keeps the history far below 25,000 events. */
export const MAX_VPCS_PER_EXECUTION = 100;

export const DESTINATIONS = ['s3', 'cloud-watch-logs'] as const;
export type FlowLogDestination = (typeof DESTINATIONS)[number];

const vpcId = ec2IdSchema('vpc');
// Custom formats are ${field} names separated by single spaces (EC2's rule).
const logFormat = z.string().check(
  z.regex(/^\$\{[a-z0-9-]+\}( \$\{[a-z0-9-]+\})*$/, 'must be ${field} names separated by single spaces'),
  z.maxLength(4000),
);

export const enableFlowLogsInputSchema = z
  .strictObject({
    vpcIds: z.optional(
      z.array(vpcId).check(
        z.minLength(1),
        z.maxLength(MAX_VPCS_PER_EXECUTION),
        z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a VPC'),
        z.describe('These VPCs (give either vpcIds or allVpcs).'),
      ),
    ),
    allVpcs: z.optional(z.literal(true).check(z.describe('Every VPC of the account in this region (give either vpcIds or allVpcs).'))),
    destination: z.enum(DESTINATIONS, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be s3 or cloud-watch-logs') }).check(
      z.describe("s3: the stack's flow-logs bucket. cloud-watch-logs: the stack's KMS-encrypted log group, through its delivery role."),
    ),
    trafficType: z._default(z.enum(['ALL', 'ACCEPT', 'REJECT'], 'must be ALL, ACCEPT or REJECT'), 'ALL').check(z.describe('Which traffic is logged.')),
    maxAggregationInterval: z._default(z.union([z.literal(60), z.literal(600)], 'must be 60 or 600'), 600).check(
      z.describe('Seconds over which a flow is aggregated into one record: 60 or 600.'),
    ),
    logFormat: z.optional(logFormat.check(z.describe("Custom record format, e.g. '${version} ${srcaddr} ${dstaddr} ${action}'; default: AWS's."))),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((input) => (input.vpcIds === undefined) !== (input.allVpcs === undefined), 'give exactly one of vpcIds or allVpcs: true'),
    z.describe('Input of the enable-flow-logs workflow.'),
  );

export type EnableFlowLogsInput = z.output<typeof enableFlowLogsInputSchema>;
export type EnableFlowLogsRequest = z.input<typeof enableFlowLogsInputSchema>;
