import * as z from 'zod/mini';
import { InvalidInputError } from '../../lib/errors';
import { parseOrThrow } from '../../lib/validation';

/** At most this many instances are assessed by one triage execution; the rest go to child triage executions. */
export const TRIAGE_CHUNK_SIZE = 50;

/** EC2's instance id format: `i-` and 8 (older) or 17 hexadecimal digits. */
export const INSTANCE_ID_PATTERN = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** CloudTrail event ids are UUIDs; bounded so that `<workflow>-<eventId>-chunk-<n>` fits Step Functions' 80 characters. */
const EVENT_ID_PATTERN = /^[A-Za-z0-9-]{1,44}$/;

// Ids are checked after the shape (checkInstanceIds), so that one message names the bad values, boundedly.
const items = z.optional(z.nullable(z.object({ items: z.optional(z.array(z.object({ instanceId: z.string().check(z.maxLength(64)) }))) })));
/** CloudTrail replaces a field larger than its maximum with `{ omitted: true, … }`: no instancesSet. */
const parameters = z.optional(z.nullable(z.object({ instancesSet: items, omitted: z.optional(z.boolean()) })));

/** The parent's record in a chunk's input: a chunk never splits again what it was given. */
export const triageChunkSchema = z.strictObject({
  index: z.number().check(z.int(), z.minimum(1)),
  of: z.number().check(z.int(), z.minimum(2)),
  parentExecution: z.string().check(z.minLength(1), z.maxLength(2048)),
});
export type TriageChunk = z.output<typeof triageChunkSchema>;

/** The CloudTrail StartInstances event as EventBridge delivers it (and as triage passes a chunk of it to a child). */
export const startInstancesEventSchema = z.object({
  id: z.string(),
  account: z.string(),
  region: z.string(),
  detail: z.object({
    eventSource: z.literal('ec2.amazonaws.com'),
    eventName: z.literal('StartInstances'),
    eventID: z.string().check(z.regex(EVENT_ID_PATTERN, 'is not a CloudTrail event id')),
    eventTime: z.string(),
    awsRegion: z.string(),
    recipientAccountId: z.string(),
    sourceIPAddress: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
    userIdentity: z.object({
      type: z.string(),
      arn: z.optional(z.string()),
      accessKeyId: z.optional(z.string()),
      invokedBy: z.optional(z.string()),
      sessionContext: z.optional(z.object({ sessionIssuer: z.optional(z.object({ arn: z.optional(z.string()) })) })),
    }),
    requestParameters: parameters,
    responseElements: parameters,
  }),
  triageChunk: z.optional(triageChunkSchema),
});
export type StartInstancesEvent = z.output<typeof startInstancesEventSchema>;

export const parseStartInstancesEvent = (event: unknown): StartInstancesEvent => parseOrThrow(startInstancesEventSchema, event);

/** Every instance the event names (request and response), each once, in the event's order. */
export function instanceIdsOf(event: StartInstancesEvent): string[] {
  const { requestParameters, responseElements } = event.detail;
  const ids = [...(requestParameters?.instancesSet?.items ?? []), ...(responseElements?.instancesSet?.items ?? [])].map((i) => i.instanceId);
  return [...new Set(ids)];
}

/** Fails with InvalidInputError naming (a few of) the ids that are not EC2 instance ids: nothing is assessed or started. */
export function checkInstanceIds(ids: string[]): void {
  const bad = ids.filter((id) => !INSTANCE_ID_PATTERN.test(id));
  if (bad.length === 0) return;
  const shown = bad.slice(0, 5).map((id) => JSON.stringify(id)).join(', ');
  const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
  throw new InvalidInputError(`invalid input: instancesSet: ${bad.length} malformed instance id(s) (EC2's format is i- and 8 or 17 hex digits): ${shown}${more}`);
}

/** Chunk `index` (0-based) of the event's instances. */
export const chunkOf = (ids: string[], index: number): string[] => ids.slice(index * TRIAGE_CHUNK_SIZE, (index + 1) * TRIAGE_CHUNK_SIZE);

export const chunkCount = (ids: string[]): number => Math.max(1, Math.ceil(ids.length / TRIAGE_CHUNK_SIZE));

/** Deterministic from the event and the chunk: a retried start, or a second delivery of the event, finds the same execution. */
export const chunkExecutionName = (workflow: string, eventId: string, index: number): string => `${workflow}-${eventId}-chunk-${index}`;

/**
 * Chunk `index` of the event as delivered (`raw`; `event` is its parsed form): the same event, every field
 * kept, naming only that chunk's instances, and the parent's record.
 */
export function chunkEvent(raw: Record<string, unknown>, event: StartInstancesEvent, index: number, parentExecution: string): Record<string, unknown> {
  const ids = instanceIdsOf(event);
  const chunk = chunkOf(ids, index);
  const inChunk = new Set(chunk);
  const detail = raw.detail as Record<string, unknown>;
  const response = detail.responseElements as { instancesSet?: { items?: { instanceId: string }[] } } | null | undefined;
  const responseItems = response?.instancesSet?.items;
  return {
    ...raw,
    detail: {
      ...detail,
      // The request names the whole chunk (an id only the response named included); the response keeps what it said of them.
      requestParameters: { instancesSet: { items: chunk.map((instanceId) => ({ instanceId })) } },
      responseElements: responseItems ? { ...response, instancesSet: { ...response.instancesSet, items: responseItems.filter((i) => inChunk.has(i.instanceId)) } } : response,
    },
    triageChunk: { index, of: chunkCount(ids), parentExecution },
  };
}
