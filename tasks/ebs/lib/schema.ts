// zod/mini: the same schemas and JSON Schema export as classic zod at ~15 KB bundled instead of ~450 KB.
import * as z from 'zod/mini';
import { triggerSchema, ec2IdSchema } from '../../lib/schemas';

const instanceId = ec2IdSchema('i');
const volumeId = ec2IdSchema('vol');
const kmsKeyId = z.string().check(
  z.regex(
    /^([0-9a-f-]{36}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250}))$/,
    'must be a KMS key id, key ARN, alias name (alias/...) or alias ARN',
  ),
);

export const STRATEGIES = ['copy', 'direct', 'volume-copy'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const encryptVolumesInputSchema = z
  .strictObject({
    instanceId: instanceId.check(z.describe('The instance whose unencrypted EBS volumes are encrypted.')),
    kmsKeyId: z.optional(kmsKeyId.check(z.describe("Key for the new volumes; default: the account's EBS default key."))),
    volumeIds: z.optional(
      z.array(volumeId).check(
        z.minLength(1),
        z.maxLength(128),
        z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a volume'),
        z.describe('Only these attached volumes (default: every unencrypted attached EBS volume).'),
      ),
    ),
    strategy: z._default(z.enum(STRATEGIES), 'copy').check(
      z.describe('copy: snapshot, encrypted CopySnapshot, volume from the copy. direct: volume with Encrypted from the snapshot. volume-copy: after the stop, an encrypted EC2 CopyVolumes of each volume (no snapshot; the copy initializes in the background at reduced performance).'),
    ),
    allowStop: z._default(z.boolean(), false).check(z.describe('A running instance is stopped (and restarted) only when true.')),
    approval: z._default(z.boolean(), false).check(
      z.describe('Pause for a person to approve (remediate approve) before any change; no answer in time = rejected, nothing changed.'),
    ),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the encrypt-volumes workflow.'));

export type EncryptVolumesInput = z.output<typeof encryptVolumesInputSchema>;
export type EncryptVolumesRequest = z.input<typeof encryptVolumesInputSchema>;
