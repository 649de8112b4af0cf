// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { ec2IdSchema, startedBySchema, triggerSchema } from '../../lib/schemas';
import { caseIdSchema } from '../../principal/lib/schema';

/** A Linux user name the rotation script may quote safely (useradd's default NAME_REGEX, at most 32 characters). */
export const OS_USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
/** The default login of Amazon Linux, RHEL and SUSE AMIs, and of any AMI not recognized below. */
export const DEFAULT_OS_USER = 'ec2-user';

/** The default login of well-known AMI families, by the AMI's name or description (each distribution's EC2 docs). */
const AMI_USERS: [RegExp, string][] = [[/ubuntu/i, 'ubuntu'], [/debian/i, 'admin'], [/centos/i, 'centos'], [/fedora/i, 'fedora'], [/bitnami/i, 'bitnami']];

export function defaultOsUser(image: { Name?: string; Description?: string } | undefined): string {
  const text = `${image?.Name ?? ''} ${image?.Description ?? ''}`;
  return AMI_USERS.find(([pattern]) => pattern.test(text))?.[1] ?? DEFAULT_OS_USER;
}

export const rotateKeyPairInputSchema = z
  .strictObject({
    instanceId: ec2IdSchema('i').check(z.describe('The instance whose SSH key pair is rotated.')),
    caseId: z.optional(caseIdSchema.check(z.describe('The case this rotation belongs to (triage passes one id for the whole case); tagged on the new key pair.'))),
    rotateKeyPair: z._default(z.boolean(), false)
      .check(z.describe('true: rotate the key pair (SSM-managed Linux instances). false: only report the key pair and how to rotate it.')),
    osUser: z.optional(
      z.string().check(z.regex(OS_USER_PATTERN, 'must be a Linux user name: lower-case letters, digits, _ or -, at most 32, not starting with a digit or -')),
    ).check(z.describe("The login whose ~/.ssh/authorized_keys holds the key. Default: by the instance's AMI (ubuntu on Ubuntu, admin on Debian, centos, fedora, bitnami), else ec2-user.")),
    approval: z._default(z.boolean(), false).check(z.describe('true: publish the plan and wait for a person to approve before any change.')),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
    // isolate-instance hands this run its lock on the instance (workflows/lib/skeleton.ts lockHandOver).
    AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: z.optional(startedBySchema),
  })
  .check(z.describe('Input of the rotate-key-pair workflow.'));

export type RotateKeyPairInput = z.output<typeof rotateKeyPairInputSchema>;
