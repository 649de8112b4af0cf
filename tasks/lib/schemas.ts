// zod/mini: the same schemas and JSON Schema export as classic zod at ~15 KB bundled instead of ~450 KB.
import * as z from 'zod/mini';

/** An EC2 resource id of this kind (`i`, `vol`, `vpc`, `sg`, …): the prefix, then 8 or 17 hex digits. */
export const ec2IdSchema = (prefix: string) =>
  z.string().check(z.regex(new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`), `must look like ${prefix}-0123456789abcdef0`));

/** Who or what started a workflow; carried into the report. */
/**
 * `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`: the parent execution's ARN, which Step Functions' convention puts in a
 * child's input (a `.sync:2` start with associateWithParent). A child that accepts a lock hand-over lists it.
 */
export const startedBySchema = z.string().check(
  z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s:]{1,80}:[^\s:]{1,80}$/, 'must be the ARN of the parent Step Functions execution'),
  z.describe('Set by a parent workflow that starts this one (its $$.Execution.Id): the parent may have handed this execution its lock.'),
);

export const triggerSchema = z
  .strictObject({
    source: z.enum(['console', 'cli', 'eventbridge']),
    principal: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    eventId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    parentExecution: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    // Who called StartExecution, proven (docs/approval.md "Trigger provenance"); without it the trigger is only claimed.
    proof: z.optional(z.strictObject({ url: z.string().check(z.minLength(1), z.maxLength(4096)) })
      .check(z.describe('An STS GetCallerIdentity request presigned by the starter, bound to this execution (remediate start adds it).'))),
  })
  .check(z.describe('Who or what started the remediation.'));

export type Trigger = z.output<typeof triggerSchema>;

/**
 * The trigger as the report gives it (tasks/lib/identity/trigger.ts): `verified` when a proof named
 * who called StartExecution, else `claimed` (what the input said, which nothing trusts).
 */
export type ReportedTrigger = Omit<Trigger, 'proof'> & {
  verified?: true;
  claimed?: true;
  /** Why a proof that came with the input proved nothing. */
  unverified?: string;
  /** Triage's children: the proven starter (triage's role), the principal being the CloudTrail event's. */
  startedBy?: string;
  principalFrom?: 'cloudtrail';
};
