// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { ec2IdSchema, triggerSchema } from '../../lib/schemas';

/** Instances one report covers at most by id (allInstances: every instance of the account and region). */
export const MAX_REPORT_INSTANCE_IDS = 200;
export const DEFAULT_MAX_AGE_DAYS = 90;

const instanceId = ec2IdSchema('i');

export const refreshAmiInputSchema = z
  .strictObject({
    action: z.enum(['backup', 'report'], 'must be backup or report').check(
      z.describe('backup: an AMI of instanceId (CreateImage), waited for until available. report: which instances run an outdated AMI (changes nothing).'),
    ),
    instanceId: z.optional(instanceId.check(z.describe('backup: the instance to image.'))),
    noReboot: z._default(z.boolean(), false).check(
      z.describe('backup: true images the running instance without rebooting it (crash-consistent: writes in flight are lost); needs acknowledgeCrashConsistent. Default false: EC2 reboots the instance for a consistent image.'),
    ),
    acknowledgeCrashConsistent: z._default(z.boolean(), false).check(
      z.describe('backup with noReboot: true: you accept an image whose file systems may not be consistent. Recorded on the image as remediation:no-reboot=true.'),
    ),
    instanceIds: z.optional(z.array(instanceId).check(
      z.minLength(1), z.maxLength(MAX_REPORT_INSTANCE_IDS), z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat an instance'),
      z.describe('report: these instances (give instanceIds or allInstances).'),
    )),
    allInstances: z.optional(z.literal(true).check(z.describe('report: every pending, running, stopping or stopped instance of the account and region.'))),
    maxAgeDays: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(3650)), DEFAULT_MAX_AGE_DAYS).check(
      z.describe('report: an AMI created longer ago than this is reported as old (default 90).'),
    ),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => i.action !== 'backup' || i.instanceId !== undefined, { message: 'backup needs instanceId', path: ['instanceId'] }),
    z.refine((i) => i.action !== 'backup' || (i.instanceIds === undefined && i.allInstances === undefined), { message: 'instanceIds and allInstances are for report', path: ['instanceIds'] }),
    z.refine((i) => i.action !== 'report' || ((i.instanceIds === undefined) !== (i.allInstances === undefined)), { message: 'report needs exactly one of instanceIds or allInstances', path: ['instanceIds'] }),
    z.refine((i) => i.action !== 'report' || (i.instanceId === undefined && !i.noReboot), { message: 'instanceId and noReboot are for backup (report takes instanceIds)', path: ['instanceId'] }),
    z.refine((i) => !i.noReboot || i.acknowledgeCrashConsistent, { message: 'noReboot: true needs acknowledgeCrashConsistent: true (the image is crash-consistent)', path: ['acknowledgeCrashConsistent'] }),
    z.describe('Input of the refresh-ami workflow.'),
  );

export type RefreshAmiInput = z.output<typeof refreshAmiInputSchema>;
