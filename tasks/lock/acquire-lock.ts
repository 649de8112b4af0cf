import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { ResourceLockedError, awsErrorName, isEc2NotFound } from '../lib/errors';
import { logger } from '../lib/logger';
import { LOCK_KEY, LOCK_TABLE_ENV, LOCK_TAG, lockKeyOf, isConditionFailed, type LockState } from './lib/lock';

const dynamodb = createDynamoDbClient();
const sfn = createSfnClient();
const ec2 = createEc2Client();
const { [LOCK_TABLE_ENV]: TABLE } = readEnv({ [LOCK_TABLE_ENV]: requiredString });

export interface AcquireLockEvent {
  workflow: string;
  /** The resource the execution works on (an instance id); none: account-level work. */
  target?: string;
  executionArn: string;
  executionName: string;
  /** The state machine's total timeout: the lock expires when the holder's execution must have ended. */
  ttlSeconds: number;
}

interface Holder {
  holder: string;
  executionName: string;
  workflow: string;
  acquiredAt: string;
  expiresAt: number;
}

const item = (key: string, h: Holder) => ({
  [LOCK_KEY]: { S: key }, holder: { S: h.holder }, executionName: { S: h.executionName }, workflow: { S: h.workflow },
  acquiredAt: { S: h.acquiredAt }, expiresAt: { N: String(h.expiresAt) },
});

/** Conditional put: true when this execution now holds the lock. */
async function put(key: string, mine: Holder, condition: string, values: Record<string, { S: string }>): Promise<boolean> {
  try {
    await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item(key, mine), ConditionExpression: condition, ExpressionAttributeValues: values }));
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

async function currentHolder(key: string): Promise<Holder | undefined> {
  const out = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { [LOCK_KEY]: { S: key } }, ConsistentRead: true }));
  const i = out.Item;
  if (!i?.holder?.S) return undefined;
  return {
    holder: i.holder.S, executionName: i.executionName?.S ?? i.holder.S, workflow: i.workflow?.S ?? 'unknown',
    acquiredAt: i.acquiredAt?.S ?? 'unknown', expiresAt: Number(i.expiresAt?.N ?? 0),
  };
}

/** A holder that has ended (or never existed) no longer needs the lock. */
async function stillRunning(executionArn: string): Promise<boolean> {
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING';
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

/** Marks the instance as being worked on; an instance that does not exist is left to preflight to report. */
async function tagInstance(instanceId: string, executionName: string): Promise<string | undefined> {
  try {
    await ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: LOCK_TAG, Value: executionName }] }));
    return instanceId;
  } catch (error) {
    if (isEc2NotFound(error) || awsErrorName(error) === 'InvalidInstanceID.Malformed') return undefined;
    throw error;
  }
}

/**
 * First step after validation: one remediation per target at a time. A conditional put takes a free
 * lock (or re-takes our own, on a retry); a lock whose holder has ended or whose time is up is taken
 * over; otherwise the execution ends ResourceLockedError, naming the holder, before any change.
 */
export const handler = async (event: AcquireLockEvent): Promise<LockState> => {
  const key = lockKeyOf(event.workflow, event.executionArn, event.target);
  const now = Math.floor(Date.now() / 1000);
  const mine: Holder = {
    holder: event.executionArn, executionName: event.executionName, workflow: event.workflow,
    acquiredAt: new Date().toISOString(), expiresAt: now + event.ttlSeconds,
  };
  let tookOverFrom: string | undefined;
  if (!(await put(key, mine, `attribute_not_exists(${LOCK_KEY}) OR holder = :me`, { ':me': { S: event.executionArn } }))) {
    const other = await currentHolder(key);
    const free = !other || other.expiresAt < now || !(await stillRunning(other.holder));
    // Taken over only if it is still the holder we judged: two executions racing for it cannot both win.
    const condition = other ? 'holder = :other' : `attribute_not_exists(${LOCK_KEY})`;
    if (!free || !(await put(key, mine, condition, other ? { ':other': { S: other.holder } } : {}))) {
      const by = other ? `execution ${other.executionName} (${other.workflow}, since ${other.acquiredAt})` : 'another execution';
      throw new ResourceLockedError(`${key} is being remediated by ${by}; this execution changed nothing. Start it again once that one has ended.`);
    }
    tookOverFrom = other?.holder;
  }
  const taggedInstance = event.target?.startsWith('i-') ? await tagInstance(event.target, event.executionName) : undefined;
  logger.info('lock acquired', { key, tookOverFrom, taggedInstance });
  return {
    held: true, key, holder: event.executionArn, acquiredAt: mine.acquiredAt, expiresAt: mine.expiresAt,
    ...(tookOverFrom ? { tookOverFrom } : {}), ...(taggedInstance ? { taggedInstance } : {}),
  };
};
