import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PreconditionFailedError } from '../../lib/errors';
import { isConditionFailed } from '../../lock/lib/lock';
import type { InstanceState } from './instance-state';

/** Where the stack's instance case table reaches the functions that read and write it. */
export const INSTANCE_CASE_TABLE_ENV = 'INSTANCE_CASE_TABLE_NAME';
export const CASE_KEY = 'caseId';
export const INSTANCE_KEY = 'instanceId';

/** Isolation steps, as the case record and the report name them (release undoes the recorded ones, newest first). */
export const STEP = {
  snapshots: 'create-forensic-snapshots',
  protect: 'enable-protection',
  standby: 'enter-standby',
  detach: 'detach-from-auto-scaling',
  deregister: 'deregister-target',
  untracked: 'move-to-untracked-group',
  isolate: 'move-to-isolation-group',
  profile: 'disassociate-instance-profile',
  sessionDeny: 'put-session-deny',
  tagIsolated: 'tag-isolated',
  blockSource: 'start-block-source-ip',
  rotateKeyPair: 'start-rotate-key-pair',
} as const;

/** One step as made: `before` is what release puts back. */
export interface StepRecord { action: string; resourceId: string; at: string; before?: Record<string, unknown>; after?: Record<string, unknown> }

export interface InstanceCase {
  caseId: string;
  instanceId: string;
  isolateExecution: string;
  savedAt: string;
  /** The instance before any change: ENIs and groups, profile, tags, key pair, Auto Scaling, target groups, protection. */
  prior: InstanceState;
  /** GetConsoleOutput's text (base64 as EC2 gives it), or why it could not be had (recorded, never fatal). */
  consoleOutput: { output?: string; error?: string };
  snapshotIds: string[];
  /** Keyed `<action>:<resource>` so that a retry records a step once. */
  steps: Record<string, StepRecord>;
  releasedAt?: string;
  releaseExecution?: string;
}

const key = (caseId: string, instanceId: string) => ({ [CASE_KEY]: { S: caseId }, [INSTANCE_KEY]: { S: instanceId } });

/** Saves the case before the first change; the same execution may write it again (a retry), another is refused. */
export async function saveInstanceCase(dynamodb: DynamoDBClient, table: string, record: Omit<InstanceCase, 'steps'>): Promise<void> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: table,
      Item: {
        ...key(record.caseId, record.instanceId), isolateExecution: { S: record.isolateExecution }, savedAt: { S: record.savedAt },
        prior: { S: JSON.stringify(record.prior) }, consoleOutput: { S: JSON.stringify(record.consoleOutput) },
        snapshotIds: { S: JSON.stringify(record.snapshotIds) }, steps: { M: {} },
      },
      ConditionExpression: 'attribute_not_exists(#k) OR isolateExecution = :me',
      ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':me': { S: record.isolateExecution } },
    }));
  } catch (error) {
    if (isConditionFailed(error)) throw new PreconditionFailedError(`case ${record.caseId} already holds an isolation of ${record.instanceId}: release it first`);
    throw error;
  }
}

/** Records the snapshots once they are started (idempotent). */
export async function recordSnapshots(dynamodb: DynamoDBClient, table: string, caseId: string, instanceId: string, snapshotIds: string[]): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table, Key: key(caseId, instanceId), UpdateExpression: 'SET snapshotIds = :s',
    ConditionExpression: 'attribute_exists(#k)', ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':s': { S: JSON.stringify(snapshotIds) } },
  }));
}

/** Records one step as it is made (the same key again overwrites the same entry). */
export async function recordStep(dynamodb: DynamoDBClient, table: string, caseId: string, instanceId: string, step: StepRecord): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table, Key: key(caseId, instanceId), UpdateExpression: 'SET steps.#s = :s', ConditionExpression: 'attribute_exists(#k)',
    ExpressionAttributeNames: { '#s': `${step.action}:${step.resourceId}`, '#k': CASE_KEY }, ExpressionAttributeValues: { ':s': { S: JSON.stringify(step) } },
  }));
}

/** Marks the case released by this execution (again on a retry: same values). */
export async function markInstanceReleased(dynamodb: DynamoDBClient, table: string, caseId: string, instanceId: string, execution: string, at: string): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table, Key: key(caseId, instanceId),
    UpdateExpression: 'SET releasedAt = if_not_exists(releasedAt, :at), releaseExecution = if_not_exists(releaseExecution, :e)',
    ConditionExpression: 'attribute_exists(#k)', ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':at': { S: at }, ':e': { S: execution } },
  }));
}

type Item = Record<string, { S?: string; M?: Record<string, { S?: string }> }>;
const parse = <T>(text: string | undefined, fallback: T): T => (text ? JSON.parse(text) as T : fallback);

function fromItem(item: Item): InstanceCase {
  const steps: Record<string, StepRecord> = {};
  for (const [k, v] of Object.entries(item.steps?.M ?? {})) if (v.S) steps[k] = JSON.parse(v.S) as StepRecord;
  return {
    caseId: item[CASE_KEY]?.S ?? '', instanceId: item[INSTANCE_KEY]?.S ?? '', isolateExecution: item.isolateExecution?.S ?? '', savedAt: item.savedAt?.S ?? '',
    prior: parse(item.prior?.S, {} as InstanceState), consoleOutput: parse(item.consoleOutput?.S, {}), snapshotIds: parse(item.snapshotIds?.S, []), steps,
    ...(item.releasedAt?.S ? { releasedAt: item.releasedAt.S } : {}), ...(item.releaseExecution?.S ? { releaseExecution: item.releaseExecution.S } : {}),
  };
}

/** One instance's record of a case, read consistently; undefined when there is none. */
export async function readInstanceCase(dynamodb: DynamoDBClient, table: string, caseId: string, instanceId: string): Promise<InstanceCase | undefined> {
  const { Item: item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: key(caseId, instanceId), ConsistentRead: true }));
  return item ? fromItem(item as Item) : undefined;
}

/** Every instance record of a case (a triage case may isolate several instances). */
export async function readCaseInstances(dynamodb: DynamoDBClient, table: string, caseId: string): Promise<InstanceCase[]> {
  const { Items: items = [] } = await dynamodb.send(new QueryCommand({
    TableName: table, KeyConditionExpression: '#k = :c', ExpressionAttributeNames: { '#k': CASE_KEY }, ExpressionAttributeValues: { ':c': { S: caseId } }, ConsistentRead: true,
  }));
  return items.map((i) => fromItem(i as Item));
}

/** The steps recorded, newest first: the order release and rollback undo them in. */
export const stepsNewestFirst = (record: InstanceCase): StepRecord[] => Object.values(record.steps).sort((a, b) => b.at.localeCompare(a.at));
