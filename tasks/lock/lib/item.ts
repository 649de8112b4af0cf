import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsErrorName, isEc2NotFound } from '../../lib/errors';
import { LOCK_KEY, LOCK_TAG, isConditionFailed, type LockHolder } from './lock';

/** The lock item as the lock functions read it: its holder, and the hand-over fields when there are any. */
export interface LockItem extends LockHolder {
  /** The holder granted the lock to this child execution (by name): only that child's acquire may take it. */
  handOverTo?: string;
  /** A child holds it: the parent it came from, put back by the child's release. */
  handedOverBy?: LockHolder;
}

const holderAttributes = (h: LockHolder): Record<string, AttributeValue> => ({
  holder: { S: h.holder }, executionName: { S: h.executionName }, workflow: { S: h.workflow },
  acquiredAt: { S: h.acquiredAt }, expiresAt: { N: String(h.expiresAt) },
});

const holderOf = (i: Record<string, AttributeValue>, holder: string): LockHolder => ({
  holder, executionName: i.executionName?.S ?? holder, workflow: i.workflow?.S ?? 'unknown',
  acquiredAt: i.acquiredAt?.S ?? 'unknown', expiresAt: Number(i.expiresAt?.N ?? 0),
});

/** The whole item: a put replaces what was there (a grant's handOverTo goes with it). */
export const toItem = (key: string, h: LockItem): Record<string, AttributeValue> => ({
  [LOCK_KEY]: { S: key }, ...holderAttributes(h),
  ...(h.handOverTo ? { handOverTo: { S: h.handOverTo } } : {}),
  ...(h.handedOverBy ? { handedOverBy: { M: holderAttributes(h.handedOverBy) } } : {}),
});

/** Conditional put: true when the item is now `h`, false when the lock was not in the state the condition assumed. */
export async function putLock(
  dynamodb: DynamoDBClient, table: string, key: string, h: LockItem, condition: string, values: Record<string, AttributeValue>,
): Promise<boolean> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: table, Item: toItem(key, h), ConditionExpression: condition, ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    }));
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** The lock item, read consistently; undefined when nobody holds the lock. */
export async function readLock(dynamodb: DynamoDBClient, table: string, key: string): Promise<LockItem | undefined> {
  const { Item: i } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [LOCK_KEY]: { S: key } }, ConsistentRead: true }));
  if (!i?.holder?.S) return undefined;
  const parent = i.handedOverBy?.M;
  return {
    ...holderOf(i, i.holder.S),
    ...(i.handOverTo?.S ? { handOverTo: i.handOverTo.S } : {}),
    ...(parent?.holder?.S ? { handedOverBy: holderOf(parent, parent.holder.S) } : {}),
  };
}

/** A holder that has ended (or never existed) no longer needs the lock. */
export async function stillRunning(sfn: SFNClient, executionArn: string): Promise<boolean> {
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING';
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

/** Marks the instance as being worked on by `executionName`; an instance that does not exist is left to preflight to report. */
export async function tagLockedInstance(ec2: EC2Client, instanceId: string, executionName: string): Promise<string | undefined> {
  try {
    await ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: LOCK_TAG, Value: executionName }] }));
    return instanceId;
  } catch (error) {
    if (isEc2NotFound(error) || awsErrorName(error) === 'InvalidInstanceID.Malformed') return undefined;
    throw error;
  }
}
