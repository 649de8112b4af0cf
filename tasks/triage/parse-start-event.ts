import * as z from 'zod/mini';
import { commaList, readEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { parseOrThrow } from '../lib/validation';

/** Roles of our own workflows: instances they start are never triaged again (no loops). */
const OUR_ROLE_ARNS = new Set(readEnv({ OUR_ROLE_ARNS: commaList }).OUR_ROLE_ARNS);

const items = z.optional(z.nullable(z.object({ items: z.optional(z.array(z.object({ instanceId: z.string() }))) })));
const startInstancesEvent = z.object({
  id: z.string(),
  account: z.string(),
  region: z.string(),
  detail: z.object({
    eventSource: z.literal('ec2.amazonaws.com'),
    eventName: z.literal('StartInstances'),
    eventID: z.string(),
    eventTime: z.string(),
    sourceIPAddress: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
    userIdentity: z.object({
      type: z.string(),
      arn: z.optional(z.string()),
      invokedBy: z.optional(z.string()),
      sessionContext: z.optional(z.object({ sessionIssuer: z.optional(z.object({ arn: z.optional(z.string()) })) })),
    }),
    requestParameters: z.optional(z.nullable(z.object({ instancesSet: items }))),
    responseElements: z.optional(z.nullable(z.object({ instancesSet: items }))),
  }),
});

export interface StartEventFacts {
  eventId: string;
  eventTime: string;
  region: string;
  account: string;
  principal: { type: string; arn: string };
  sourceIp: string;
  instanceIds: string[];
  attemptFailed: boolean;
  error?: { code: string; message: string };
  startedByUs: boolean;
}

/** Reads the CloudTrail StartInstances event EventBridge delivered: who, from where, which instances, and whether it worked. */
export const handler = async ({ event }: { event: unknown }): Promise<StartEventFacts> => {
  const { detail, region, account } = parseOrThrow(startInstancesEvent, event);
  const identity = detail.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer?.arn;
  const ids = [
    ...(detail.requestParameters?.instancesSet?.items ?? []),
    ...(detail.responseElements?.instancesSet?.items ?? []),
  ].map((i) => i.instanceId);
  const facts: StartEventFacts = {
    eventId: detail.eventID,
    eventTime: detail.eventTime,
    region,
    account,
    principal: { type: identity.type, arn: issuer ?? identity.arn ?? identity.invokedBy ?? 'unknown' },
    sourceIp: detail.sourceIPAddress ?? 'unknown',
    instanceIds: [...new Set(ids)],
    attemptFailed: detail.errorCode !== undefined,
    startedByUs: issuer !== undefined && OUR_ROLE_ARNS.has(issuer),
  };
  if (detail.errorCode) facts.error = { code: detail.errorCode, message: detail.errorMessage ?? '' };
  logger.info('StartInstances event', { eventId: facts.eventId, instances: facts.instanceIds.length, failed: facts.attemptFailed });
  return facts;
};
