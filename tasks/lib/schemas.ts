import { z } from 'zod';

/** Who or what started a workflow; carried into the report. */
export const triggerSchema = z
  .strictObject({
    source: z.enum(['console', 'cli', 'eventbridge']),
    principal: z.string().min(1).max(2048).optional(),
    eventId: z.string().min(1).max(256).optional(),
  })
  .describe('Who or what started the remediation.');

const instanceId = z.string().regex(/^i-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must look like i-0123456789abcdef0');
const volumeId = z.string().regex(/^vol-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must look like vol-0123456789abcdef0');
const kmsKeyId = z
  .string()
  .regex(
    /^([0-9a-f-]{36}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}))$/,
    'must be a KMS key id, key ARN, alias name (alias/...) or alias ARN',
  );

export const STRATEGIES = ['copy', 'direct'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const encryptVolumesInputSchema = z
  .strictObject({
    instanceId: instanceId.describe('The instance whose unencrypted EBS volumes are encrypted.'),
    kmsKeyId: kmsKeyId.optional().describe("Key for the new volumes; default: the account's EBS default key."),
    volumeIds: z
      .array(volumeId)
      .min(1)
      .max(128)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a volume')
      .optional()
      .describe('Only these attached volumes (default: every unencrypted attached EBS volume).'),
    strategy: z
      .enum(STRATEGIES)
      .default('copy')
      .describe('copy: snapshot, encrypted CopySnapshot, volume from the copy. direct: volume with Encrypted from the snapshot.'),
    allowStop: z.boolean().default(false).describe('A running instance is stopped (and restarted) only when true.'),
    mode: z.enum(['apply', 'plan']).default('apply').describe('plan runs the read-only steps and reports what apply would do.'),
    trigger: triggerSchema.default({ source: 'console' }),
  })
  .describe('Input of the encrypt-volumes workflow.');

export type EncryptVolumesInput = z.output<typeof encryptVolumesInputSchema>;
export type Trigger = z.output<typeof triggerSchema>;
