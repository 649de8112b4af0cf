// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema } from '../lib/schemas';

export const DELIVERY_FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;
export type DeliveryFrequency = (typeof DELIVERY_FREQUENCIES)[number];

export const enableConfigInputSchema = z
  .strictObject({
    homeRegion: z.optional(z.string().check(
      z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as us-east-1'),
      z.describe("Region that records global resource types (IAM); default: the stack's region. Other regions record regional types only."),
    )),
    snsTopicArn: z.optional(z.string().check(
      z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
      z.describe('Topic the delivery channel notifies (optional).'),
    )),
    overwrite: z._default(z.boolean(), false).check(
      z.describe('An existing recorder or delivery channel whose settings differ is changed only when true; otherwise the run is refused before any change.'),
    ),
    deliveryFrequency: z._default(z.enum(DELIVERY_FREQUENCIES), 'TwentyFour_Hours').check(
      z.describe('How often Config delivers configuration snapshots to the bucket.'),
    ),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the enable-config workflow.'));

export type EnableConfigInput = z.output<typeof enableConfigInputSchema>;
/** The input after validation: homeRegion resolved. */
export type EnableConfigRequest = EnableConfigInput & { homeRegion: string };
