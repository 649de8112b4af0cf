import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PreconditionFailedError } from '../../lib/errors';
import { isConditionFailed } from '../../lock/lib/lock';
import type { Principal } from './principal';

/** Where the stack's principal case table reaches the functions that read and write it. */
export const CASE_TABLE_ENV = 'PRINCIPAL_CASE_TABLE_NAME';
export const CASE_KEY = 'caseId';

export interface AccessKeyState { accessKeyId: string; status: string }

/** The principal before any change: what release puts back, and what a person auditing the case reads. */
export interface PriorState {
  accessKeys: AccessKeyState[];
  inlinePolicies: string[];
}

/** What the run will change, as the plan says it (read-only, comparable after an approval). */
export interface PlannedChanges {
  deactivateKeys: string[];
  sessionPolicy?: { name: string };
}

/** The session deny as SaveCase fixes it, right before the first change: sessions issued before then are denied. */
export interface SessionPolicy { name: string; document: string; revokedBefore: string }

export interface ChangeRecord { action: string; resourceId: string; at: string }

export interface CaseRecord {
  caseId: string;
  principal: Principal;
  containExecution: string;
  savedAt: string;
  prior: PriorState;
  planned: PlannedChanges;
  /** The session deny this case puts (none when one was already in force). */
  sessionPolicy?: SessionPolicy;
  /** The longest a session issued before the revocation can live: the deny must stay this long after it. */
  maxSessionSeconds: number;
  /** Each change as it was made, keyed `<action>:<resource>` so that a retry records it once. */
  changes: Record<string, ChangeRecord>;
  releasedAt?: string;
  releaseExecution?: string;
}

/**
 * Saves the case before any change. The same execution may write it again (a retry); a case id another
 * execution holds is refused, since its record is the only before-state of that containment.
 */
export async function saveCase(dynamodb: DynamoDBClient, table: string, record: Omit<CaseRecord, 'changes'>): Promise<void> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: table,
      Item: {
        [CASE_KEY]: { S: record.caseId }, principalArn: { S: record.principal.arn }, principal: { S: JSON.stringify(record.principal) },
        containExecution: { S: record.containExecution }, savedAt: { S: record.savedAt }, prior: { S: JSON.stringify(record.prior) },
        planned: { S: JSON.stringify(record.planned) }, ...(record.sessionPolicy ? { sessionPolicy: { S: JSON.stringify(record.sessionPolicy) } } : {}),
        maxSessionSeconds: { N: String(record.maxSessionSeconds) }, changes: { M: {} },
      },
      ConditionExpression: 'attribute_not_exists(#k) OR containExecution = :me',
      ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':me': { S: record.containExecution } },
    }));
  } catch (error) {
    if (isConditionFailed(error)) throw new PreconditionFailedError(`case ${record.caseId} already holds another containment: give another caseId, or release that one`);
    throw error;
  }
}

/** Records one change as it is made (idempotent: the same key again overwrites the same entry). */
export async function recordChange(dynamodb: DynamoDBClient, table: string, caseId: string, change: ChangeRecord): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table, Key: { [CASE_KEY]: { S: caseId } },
    UpdateExpression: 'SET changes.#c = :c',
    ConditionExpression: 'attribute_exists(#k)',
    ExpressionAttributeNames: { '#c': `${change.action}:${change.resourceId}`, '#k': CASE_KEY },
    ExpressionAttributeValues: { ':c': { M: { action: { S: change.action }, resourceId: { S: change.resourceId }, at: { S: change.at } } } },
  }));
}

/** Marks the case released by this execution (again on a retry: same values). */
export async function markReleased(dynamodb: DynamoDBClient, table: string, caseId: string, releaseExecution: string, at: string): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table, Key: { [CASE_KEY]: { S: caseId } },
    UpdateExpression: 'SET releasedAt = if_not_exists(releasedAt, :at), releaseExecution = if_not_exists(releaseExecution, :e)',
    ConditionExpression: 'attribute_exists(#k)',
    ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':at': { S: at }, ':e': { S: releaseExecution } },
  }));
}

/** The case, read consistently; undefined when there is none. */
export async function readCase(dynamodb: DynamoDBClient, table: string, caseId: string): Promise<CaseRecord | undefined> {
  const { Item: item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [CASE_KEY]: { S: caseId } }, ConsistentRead: true }));
  if (!item) return undefined;
  const changes: Record<string, ChangeRecord> = {};
  for (const [key, value] of Object.entries(item.changes?.M ?? {})) {
    changes[key] = { action: value.M?.action?.S ?? '', resourceId: value.M?.resourceId?.S ?? '', at: value.M?.at?.S ?? '' };
  }
  return {
    caseId, principal: JSON.parse(item.principal?.S ?? '{}') as Principal, containExecution: item.containExecution?.S ?? '',
    savedAt: item.savedAt?.S ?? '', prior: JSON.parse(item.prior?.S ?? '{"accessKeys":[],"inlinePolicies":[]}') as PriorState,
    planned: JSON.parse(item.planned?.S ?? '{"deactivateKeys":[]}') as PlannedChanges,
    ...(item.sessionPolicy?.S ? { sessionPolicy: JSON.parse(item.sessionPolicy.S) as SessionPolicy } : {}), maxSessionSeconds: Number(item.maxSessionSeconds?.N ?? 0),
    changes, ...(item.releasedAt?.S ? { releasedAt: item.releasedAt.S } : {}), ...(item.releaseExecution?.S ? { releaseExecution: item.releaseExecution.S } : {}),
  };
}

/** Change actions, as the case record and the report name them. */
export const CHANGE = { deactivateKey: 'deactivate-access-key', putPolicy: 'put-session-deny', reactivateKey: 'reactivate-access-key', deletePolicy: 'delete-session-deny' } as const;

/** The keys this case set Inactive (recorded as made), which release may set Active again. */
export const deactivatedKeys = (record: CaseRecord): string[] =>
  Object.values(record.changes).filter((c) => c.action === CHANGE.deactivateKey).map((c) => c.resourceId);
