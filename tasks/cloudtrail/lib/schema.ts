// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema } from '../../lib/schemas';

export const DEFAULT_TRAIL_NAME = 'remediation-trail';
/** CloudTrail accepts at most 250 data resources per trail; the rest is room for what the trail already has. */
export const MAX_DATA_EVENT_BUCKETS = 200;

// CloudTrail: 3-128 characters, letters, digits, '.', '_', '-', starting and ending with a letter or digit.
const trailName = z.string().check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/, 'must be 3-128 letters, digits, ".", "_" or "-", starting and ending with a letter or digit'),
);
const bucketName = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'));
// CloudTrail takes a key id, key ARN, alias name or alias ARN (the same forms as encrypt-volumes' kmsKeyId).
const kmsKeyId = z.string().check(
  z.regex(
    /^([0-9a-f-]{36}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}))$/,
    'must be a KMS key id, key ARN, alias name (alias/...) or alias ARN',
  ),
);

export const enableCloudTrailInputSchema = z
  .strictObject({
    trailName: z._default(trailName, DEFAULT_TRAIL_NAME).check(
      z.describe('The trail to ensure. An existing multi-region trail that logs with these settings is reused instead.'),
    ),
    dataEventBuckets: z.optional(
      z.union([
        z.literal('all').check(z.describe('S3 data events for every current and future bucket.')),
        z.array(bucketName).check(
          z.minLength(1),
          z.maxLength(MAX_DATA_EVENT_BUCKETS),
          z.refine((names) => new Set(names).size === names.length, 'must not repeat a bucket'),
          z.describe('S3 data events for the objects of these buckets (in this region).'),
        ),
      ]),
    ),
    kmsKeyId: z.optional(kmsKeyId.check(z.describe('Encrypt log files with this key (its key policy must let CloudTrail use it).'))),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the enable-cloudtrail workflow.'));

export type EnableCloudTrailInput = z.output<typeof enableCloudTrailInputSchema>;
export type DataEventBuckets = EnableCloudTrailInput['dataEventBuckets'];
