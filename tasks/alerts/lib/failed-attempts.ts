import * as z from 'zod/mini';
import type { EventPattern } from '../../../workflows/lib/event-pattern';
import type { TriageDecision } from '../../triage/lib/policy';

/**
 * The EC2 calls whose refused attempts are alerted on: the ones that start an instance or change how it runs,
 * reaches the network or whom it trusts (a refused call is someone probing what a stolen credential may do).
 */
export const ALERTED_EC2_CALLS = [
  'StartInstances', 'RunInstances', 'ModifyInstanceAttribute', 'ModifyInstanceMetadataOptions', 'ModifyNetworkInterfaceAttribute',
  'AssociateIamInstanceProfile', 'ReplaceIamInstanceProfileAssociation', 'AuthorizeSecurityGroupIngress', 'CreateKeyPair', 'ImportKeyPair',
] as const;

/**
 * CloudTrail's record of a refused EC2 call: EC2 answers `Client.UnauthorizedOperation` (suffix match), other
 * paths `AccessDenied` or `...AccessDenied...` such as `Client.AccessDenied` (wildcard). Successful calls have no errorCode.
 */
export const FAILED_ATTEMPT_PATTERN: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: [...ALERTED_EC2_CALLS],
    errorCode: [{ suffix: 'UnauthorizedOperation' }, { wildcard: '*AccessDenied*' }],
  },
};

/** CDK context `failedAttempts` (all keys optional). */
export const failedAttemptsSettingsSchema = z.strictObject({
  /** N: this many refused calls by one principal within windowMinutes start contain-principal and isolate-instance (under policy). */
  threshold: z._default(z.int().check(z.gte(1), z.lte(1000)), 5),
  /** M: the sliding window the failures are counted in. */
  windowMinutes: z._default(z.int().check(z.gte(1), z.lte(1440)), 10),
  /** One alert per source IP per this many minutes; also how long one containment start covers a principal. */
  alertWindowMinutes: z._default(z.int().check(z.gte(1), z.lte(10080)), 60),
  /**
   * `report`: alert only; `approval`: start contain-principal asking a person first; `auto`: start it. isolate-instance
   * starts under the stricter of this and triage.policy's `isolate-instance` entry (default approval).
   */
  policy: z._default(z.enum(['report', 'approval', 'auto']), 'approval'),
});

export type FailedAttemptsSettings = z.output<typeof failedAttemptsSettingsSchema> & { policy: TriageDecision };

export const DEFAULT_FAILED_ATTEMPTS: FailedAttemptsSettings = failedAttemptsSettingsSchema.parse({});

/** A refused EC2 call as EventBridge delivers it: only the fields the alert uses. */
export const failedAttemptEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  account: z.string().check(z.regex(/^\d{12}$/)),
  detail: z.object({
    // At most 44 characters, as triage takes (CloudTrail's are 36-character UUIDs): the case's isolate-instance
    // executions are named `case-<eventID>-<instanceId>`, which must fit Step Functions' 80.
    eventID: z.string().check(z.regex(/^[A-Za-z0-9-]{1,44}$/)),
    eventTime: z.iso.datetime(),
    eventName: z.string().check(z.minLength(1)),
    errorCode: z.string().check(z.minLength(1)),
    errorMessage: z.optional(z.string()),
    sourceIPAddress: z.optional(z.string()),
    userAgent: z.optional(z.string()),
    /** The call's parameters as CloudTrail records them (null for some calls): where the targeted instances are named. */
    requestParameters: z.optional(z.unknown()),
    userIdentity: z.object({
      type: z.string().check(z.minLength(1)),
      arn: z.optional(z.string()),
      accessKeyId: z.optional(z.string()),
      invokedBy: z.optional(z.string()),
      sessionContext: z.optional(z.object({ sessionIssuer: z.optional(z.object({ arn: z.optional(z.string()) })) })),
    }),
  }),
});

export type FailedAttemptEvent = z.output<typeof failedAttemptEventSchema>;

/** A string as one single-quoted shell word. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The start of a window of `minutes` that `at` falls in (windows begin at the epoch). */
export const windowStart = (at: Date, minutes: number): string => {
  const size = minutes * 60_000;
  return new Date(Math.floor(at.getTime() / size) * size).toISOString();
};

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** Deep enough for every shape below; CloudTrail nests no instance id deeper. */
const MAX_DEPTH = 5;

/**
 * The instance ids a refused call targeted, from its requestParameters: `instancesSet.items[].instanceId`
 * (StartInstances, StopInstances), `instanceId` (ModifyInstanceAttribute) and `<Call>Request.InstanceId`
 * (ModifyInstanceMetadataOptions, AssociateIamInstanceProfile). RunInstances names none (its items carry the
 * image), nor do the network-interface, ingress and key-pair calls. Distinct, in the order named.
 */
export function instanceIdsOf(requestParameters: unknown): string[] {
  const ids = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      if ((key === 'instanceId' || key === 'InstanceId') && typeof field === 'string' && INSTANCE_ID.test(field)) ids.add(field);
      else walk(field, depth + 1);
    }
  };
  walk(requestParameters, 0);
  return [...ids];
}
