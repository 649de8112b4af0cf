import * as z from 'zod/mini';
import { commaList, jsonValue, readEnv, requiredString } from '../lib/env';
import { InvalidInputError } from '../lib/errors';
import { logger } from '../lib/logger';
import { WORKFLOW } from '../lib/workflow-names';
import { caseIdOf, containmentOf, isolationOf, type InstanceIsolation, type PrincipalContainment } from './lib/containment';
import { DEFAULT_TRIAGE_POLICY, effectivePolicy, type TriagePolicy } from './lib/policy';
import {
  TRIAGE_CHUNK_SIZE, checkInstanceIds, chunkCount, chunkExecutionName, chunkOf, instanceIdsOf, parseStartInstancesEvent, type StartInstancesEvent,
} from './lib/start-event';

const { OUR_ROLE_ARNS, STACK_ACCOUNT_ID, AWS_REGION, ALLOWED_PRINCIPALS, TRIAGE_POLICY, OWN_ROLE_PREFIX, PROTECTED_ROLE_ARNS } = readEnv({
  /** Roles of our own workflows: instances they start are never triaged again (no loops). */
  OUR_ROLE_ARNS: commaList,
  /** The stack's account (Lambda has no variable for it): events of any other account are not acted on. */
  STACK_ACCOUNT_ID: requiredString,
  /** Set by Lambda: the stack's region. */
  AWS_REGION: requiredString,
  /** Principals (ARN prefixes) allowed to start instances (as assess-instance has them); others are contained under the policy. */
  ALLOWED_PRINCIPALS: commaList,
  TRIAGE_POLICY: jsonValue<TriagePolicy>(DEFAULT_TRIAGE_POLICY),
  /** `<stack name>-`: CloudFormation names the stack's roles so; triage never starts contain-principal for them. */
  OWN_ROLE_PREFIX: z._default(z.string(), ''),
  /** CDK context containPrincipal.protectedRoleArns: further roles of ours, never contained. */
  PROTECTED_ROLE_ARNS: commaList,
});
const ourRoles = new Set(OUR_ROLE_ARNS);

export interface StartEventFacts {
  eventId: string;
  eventTime: string;
  region: string;
  account: string;
  principal: { type: string; arn: string };
  /** userIdentity.accessKeyId: the key (AKIA...) or session credentials (ASIA...) used. */
  accessKeyId?: string;
  /** `case-<eventId>`: links this execution, its children and contain-principal's case record. */
  caseId: string;
  /** The event's principal, when not on the allow-list: contain-principal (only chunk 0 decides, once per event). */
  containment?: PrincipalContainment;
  /** The same principal: isolate-instance for each instance of this execution (every chunk decides for its own instances). */
  isolation?: InstanceIsolation;
  sourceIp: string;
  /** How many distinct instances the event names. */
  instanceCount: number;
  /** The instances this execution assesses: at most TRIAGE_CHUNK_SIZE (none for an event it refuses). */
  instanceIds: string[];
  /** This execution's chunk of the event's instances: 0 for the execution EventBridge started. */
  chunk: { index: number; of: number };
  /** Child triage executions for the other chunks, started by this one (only by chunk 0). */
  childTriages: { index: number; name: string }[];
  attemptFailed: boolean;
  error?: { code: string; message: string };
  startedByUs: boolean;
  /** Why the event is reported and not acted on (another account or region, no instance list). */
  refused?: string;
}

/** Another account's or region's event is never acted on: its instances are not ours to assess or remediate. */
function foreignReason({ account, region, detail }: StartInstancesEvent): string | undefined {
  const accounts = [...new Set([account, detail.recipientAccountId])].filter((a) => a !== STACK_ACCOUNT_ID);
  const regions = [...new Set([region, detail.awsRegion])].filter((r) => r !== AWS_REGION);
  const where = [
    ...(accounts.length > 0 ? [`account ${accounts.join(', ')} (this stack's is ${STACK_ACCOUNT_ID})`] : []),
    ...(regions.length > 0 ? [`region ${regions.join(', ')} (this stack's is ${AWS_REGION})`] : []),
  ];
  return where.length > 0 ? `event from ${where.join(' and ')}: reported, not acted on` : undefined;
}

const NO_INSTANCES = 'the event names no instances (CloudTrail omits requestParameters and responseElements that are too large): ' +
  'look the event up in CloudTrail by its eventID to see which instances were started';

/** Reads the CloudTrail StartInstances event EventBridge delivered: who, from where, which instances, and whether it worked. */
export const handler = async ({ event }: { event: unknown }): Promise<StartEventFacts> => {
  const parsed = parseStartInstancesEvent(event);
  const { detail, region, account, triageChunk } = parsed;
  const identity = detail.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer?.arn;
  const ids = instanceIdsOf(parsed);
  const attemptFailed = detail.errorCode !== undefined;
  // EC2 itself refuses a malformed id; the failed attempt is still worth reporting.
  if (!attemptFailed) checkInstanceIds(ids);
  if (triageChunk && ids.length > TRIAGE_CHUNK_SIZE) {
    throw new InvalidInputError(`invalid input: triageChunk: a chunk names at most ${TRIAGE_CHUNK_SIZE} instances and is never split again; this one names ${ids.length}`);
  }
  const startedByUs = issuer !== undefined && ourRoles.has(issuer);
  const refused = foreignReason(parsed) ?? (ids.length === 0 && !attemptFailed ? NO_INSTANCES : undefined);
  const acting = !refused && !attemptFailed && !startedByUs;
  const chunks = triageChunk ? 1 : chunkCount(ids);
  const principal = { type: identity.type, arn: issuer ?? identity.arn ?? identity.invokedBy ?? 'unknown' };
  // One decision per event: a chunk (triageChunk) leaves it to the execution that split the event.
  const policy = effectivePolicy(TRIAGE_POLICY);
  const settings = { allowedPrincipals: ALLOWED_PRINCIPALS, ownRoleArns: [...OUR_ROLE_ARNS, ...PROTECTED_ROLE_ARNS], ownRolePrefix: OWN_ROLE_PREFIX, account: STACK_ACCOUNT_ID };
  const containment = acting && !triageChunk ? containmentOf(principal, identity.accessKeyId, detail.eventID, {
    ...settings, decision: policy['contain-principal'],
  }) : undefined;
  const isolation = acting ? isolationOf(principal, detail.eventID, { ...settings, decision: policy['isolate-instance'] }) : undefined;
  const facts: StartEventFacts = {
    eventId: detail.eventID,
    eventTime: detail.eventTime,
    region,
    account,
    principal,
    ...(identity.accessKeyId ? { accessKeyId: identity.accessKeyId } : {}),
    caseId: caseIdOf(detail.eventID),
    sourceIp: detail.sourceIPAddress ?? 'unknown',
    instanceCount: ids.length,
    // Never the whole list: the state would grow with the event (Step Functions allows 256 KB).
    instanceIds: refused ? [] : chunkOf(ids, 0),
    chunk: triageChunk ? { index: triageChunk.index, of: triageChunk.of } : { index: 0, of: acting ? chunks : 1 },
    childTriages: acting && !triageChunk
      ? Array.from({ length: chunks - 1 }, (_, i) => ({ index: i + 1, name: chunkExecutionName(WORKFLOW.triageStartInstances, detail.eventID, i + 1) }))
      : [],
    attemptFailed,
    startedByUs,
  };
  if (detail.errorCode) facts.error = { code: detail.errorCode, message: detail.errorMessage ?? '' };
  if (refused) facts.refused = refused;
  if (containment) facts.containment = containment;
  if (isolation) facts.isolation = isolation;
  logger.info('StartInstances event', { eventId: facts.eventId, instances: ids.length, chunk: facts.chunk, failed: attemptFailed, refused });
  return facts;
};
