// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema } from '../../lib/schemas';

/** A case id: the contain execution's name by default (Step Functions' name characters), or one triage gives. */
export const caseIdSchema = z.string().check(
  z.regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1-80 letters, digits, - or _ (a case id or the contain execution\'s name)'),
);

/** The CloudTrail userIdentity.type values (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html). */
export const PRINCIPAL_TYPES = ['IAMUser', 'AssumedRole', 'Root', 'FederatedUser', 'AWSService', 'AWSAccount', 'Directory', 'IdentityCenterUser', 'Unknown'] as const;

const mode = z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.'));

export const containPrincipalInputSchema = z
  .strictObject({
    principalArn: z.optional(z.string().check(
      z.regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/, 'must be an IAM or STS ARN such as arn:aws:iam::123456789012:user/alice'),
      z.maxLength(2048),
      z.describe('CloudTrail userIdentity.arn: a user, an assumed-role session (or its role, sessionIssuer.arn), or root.'),
    )),
    principalType: z.optional(z.enum(PRINCIPAL_TYPES, 'must be a CloudTrail userIdentity.type such as IAMUser or AssumedRole')
      .check(z.describe('CloudTrail userIdentity.type.'))),
    accessKeyId: z.optional(z.string().check(
      z.regex(/^(AKIA|ASIA)[A-Z0-9]{12,124}$/, 'must be an access key id such as AKIAIOSFODNN7EXAMPLE'),
      z.describe('CloudTrail userIdentity.accessKeyId: the key used. An IAM user\'s (AKIA...) is set Inactive.'),
    )),
    deactivateAllKeys: z._default(z.boolean(), false).check(z.describe("IAM user: set every one of the user's active keys Inactive, not only the one used.")),
    caseId: z.optional(caseIdSchema.check(z.describe("The case record's key (default: this execution's name); triage passes one id for the whole case."))),
    release: z.optional(z.strictObject({ caseId: caseIdSchema.check(z.describe('The case to release: its caseId, which is the contain execution\'s name unless caseId was given.')) })
      .check(z.describe('Undo a containment: reactivate exactly the keys it deactivated; the session deny stays until the stolen sessions have expired.'))),
    approval: z._default(z.boolean(), false).check(z.describe('true: publish the plan and wait for a person to approve before any change (triage\'s policy "approval" sets it).')),
    mode,
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => (i.release === undefined) === (i.principalArn !== undefined && i.principalType !== undefined),
      'give principalArn and principalType to contain, or release alone'),
    z.refine((i) => i.release === undefined || (i.accessKeyId === undefined && i.caseId === undefined && !i.deactivateAllKeys),
      'release: takes no accessKeyId, caseId or deactivateAllKeys (the case record holds what was done)'),
    z.describe('Input of the contain-principal workflow.'),
  );

export type ContainInput = z.output<typeof containPrincipalInputSchema>;
