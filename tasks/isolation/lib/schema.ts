// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { ec2IdSchema, triggerSchema } from '../../lib/schemas';
import { caseIdSchema } from '../../principal/lib/schema';

/** The longest the ENIs stay in the untracked group (the Wait before the empty group): bounded, so a typo cannot park an instance open. */
export const UNTRACKED_WAIT_MAX_SECONDS = 3600;

const cidrOrIp = z.string().check(
  z.regex(/^(\d{1,3}\.){3}\d{1,3}(\/(3[0-2]|[12]?\d))?$/, 'must be an IPv4 address or CIDR such as 203.0.113.7 or 203.0.113.0/24'),
);

export const isolateInstanceInputSchema = z
  .strictObject({
    instanceId: z.optional(ec2IdSchema('i').check(z.describe('The instance to isolate (with release: the case\'s instance, optional).'))),
    caseId: z.optional(caseIdSchema.check(z.describe("The case record's key (default: this execution's name); triage passes case-<eventId>."))),
    release: z.optional(z.strictObject({ caseId: caseIdSchema.check(z.describe('The case to release.')) })
      .check(z.describe('Undo an isolation from its case record: groups, profile, protection flags, Auto Scaling and target groups; the forensic snapshots and the session deny stay.'))),
    autoScaling: z._default(z.enum(['standby', 'detach']), 'standby')
      .check(z.describe('An Auto Scaling member: standby (EnterStandby, desired capacity decremented) or detach (DetachInstances).')),
    untrackedWaitSeconds: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(UNTRACKED_WAIT_MAX_SECONDS)), 180)
      .check(z.describe('Seconds the ENIs stay in the untracked group, so open tracked connections become untracked, before the empty group.')),
    blockSourceIp: z.optional(cidrOrIp.check(z.describe('Also deny this source at the subnets\' NACLs (/32 for an address): starts block-source-ip named after the case.'))),
    rotateKeyPair: z._default(z.boolean(), false)
      .check(z.describe('true: on an SSM-managed instance, after the untracked group and while the profile is still attached, hand the lock to rotate-key-pair (named <caseId>-<instanceId>-keys) and wait while it rotates the key pair; a failed rotation is rolled back by it and reported, the isolation goes on. Not SSM-managed: the report lists the manual steps (README).')),
    revokeProfileSessions: z._default(z.boolean(), true)
      .check(z.describe("Put the session deny (aws:TokenIssueTime before now) on the instance profile's role: the credentials already on the instance stop working.")),
    approval: z._default(z.boolean(), false).check(z.describe('true: publish the plan and wait for a person to approve before any change (triage\'s policy "approval" sets it).')),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => i.release !== undefined || i.instanceId !== undefined, 'instanceId: give the instance to isolate, or release'),
    z.refine((i) => i.release === undefined || (i.caseId === undefined && i.blockSourceIp === undefined && !i.rotateKeyPair),
      'release: takes no caseId, blockSourceIp or rotateKeyPair (the case record holds what was done)'),
    z.describe('Input of the isolate-instance workflow.'),
  );

export type IsolateInput = z.output<typeof isolateInstanceInputSchema>;
