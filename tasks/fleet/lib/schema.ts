// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { ec2IdSchema, triggerSchema } from '../../lib/schemas';
import { FLEET_CHILD_WORKFLOWS } from './children';

/** Step Functions' Distributed Map runs at most 10,000 children at once; our own bound is the API budget (workflows/fleet.ts). */
export const MAX_FLEET_CONCURRENCY = 1000;
/** A fleet run resolves at most this many targets (the manifest is one S3 object the Map reads). */
export const MAX_FLEET_ITEMS = 10000;

const ids = (prefix: string, what: string) => z.array(ec2IdSchema(prefix)).check(z.minLength(1), z.maxLength(MAX_FLEET_ITEMS), z.describe(`The ${what} to remediate, one child each.`));
const tagFilter = z.strictObject({
  key: z.string().check(z.minLength(1), z.maxLength(128)),
  values: z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(200)),
});
/** `s3://<bucket>/<key>` of a plan manifest an earlier fleet plan wrote. */
export const manifestUri = z.string().check(
  z.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S{1,1024}$/, 'must be s3://<bucket>/<key> of a plan manifest a fleet plan wrote'),
);

export const fleetSelectorSchema = z.union([
  z.strictObject({ tags: z.array(tagFilter).check(z.minLength(1), z.maxLength(10), z.describe('Targets carrying every one of these tags (any of each tag\'s values).')) }),
  z.strictObject({ instanceIds: ids('i', 'instances') }),
  z.strictObject({ vpcIds: ids('vpc', 'VPCs') }),
  z.strictObject({ groupIds: ids('sg', 'security groups') }),
  z.strictObject({ manifest: manifestUri.check(z.describe('Apply exactly the items an earlier fleet plan PLANNED (its planManifest).')) }),
], 'must be one of {tags}, {instanceIds}, {vpcIds}, {groupIds} or {manifest}');

export const fleetInputSchema = z
  .strictObject({
    workflow: z.enum(FLEET_CHILD_WORKFLOWS, `must be one of ${FLEET_CHILD_WORKFLOWS.join(', ')}`).check(z.describe('The child workflow each target gets.')),
    selector: fleetSelectorSchema.check(z.describe('Which targets: tag filters, ids, or the manifest of an earlier plan.')),
    childInput: z._default(z.record(z.string(), z.unknown()), {}).check(z.describe(
      "The child's own input fields (its schema, docs/schemas/<workflow>.json), without its target, mode and trigger, which the fleet sets.",
    )),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs every child in plan mode and writes the plan manifest apply can take.')),
    maxConcurrency: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_FLEET_CONCURRENCY), z.describe(
      'Children at once (default: derived from the EC2 API refill rates for the workflow, see README "Fleet").',
    ))),
    toleratedFailurePercentage: z._default(z.number().check(z.gte(0), z.lte(100)), 0).check(z.describe(
      'Percentage of children that may fail before the Map Run fails and starts no further children (default 0: the first failure stops the fleet).',
    )),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the fleet workflow: one child execution per target, on Step Functions Distributed Map.'));

export type FleetInput = z.output<typeof fleetInputSchema>;
export type FleetSelector = FleetInput['selector'];
