// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema } from '../../lib/schemas';

/** A KMS key id, key ARN, alias name or alias ARN, as EC2 ModifyEbsDefaultKmsKeyId takes it. */
const KMS_KEY = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]{1,250})|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250})$/;

export const enableEbsEncryptionByDefaultInputSchema = z
  .strictObject({
    kmsKeyId: z.optional(z.string().check(
      z.regex(KMS_KEY, 'must be a KMS key id, key ARN, alias/… name or alias ARN'),
      z.describe("The region's default key for new encrypted volumes (default: keep the current one, alias/aws/ebs unless set)."),
    )),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the enable-ebs-encryption-by-default workflow.'));

export type EbsDefaultRequest = z.output<typeof enableEbsEncryptionByDefaultInputSchema>;
