import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { ResourceLockedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { putLock, readLock, stillRunning, tagLockedInstance, type LockItem } from './lib/item';
import { LOCK_KEY, LOCK_TABLE_ENV, STARTED_BY_FIELD, lockKeyOf, type LockHolder, type LockState } from './lib/lock';

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
  /**
   * A workflow that accepts a hand-over (spec `lock.acceptsHandOver`): its validated request, whose
   * `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` names the parent that may have granted it the lock.
   */
  request?: { [STARTED_BY_FIELD]?: string };
}

const put = (key: string, mine: LockItem, condition: string, values: Record<string, { S: string }>) =>
  putLock(dynamodb, TABLE, key, mine, condition, values);

/**
 * The lock its parent granted this execution (GrantLock: `holder = parent AND handOverTo = this name`), taken with the
 * parent recorded on the item so release gives it back. A retry finds it already ours. Not granted: undefined, and
 * the ordinary rules apply (a parent still running holds the lock against a stranger naming it).
 */
async function takeHandOver(key: string, mine: LockHolder, parentArn: string): Promise<LockHolder | undefined> {
  const current = await readLock(dynamodb, TABLE, key);
  if (current?.holder === mine.holder && current.handedOverBy) return current.handedOverBy;
  if (current?.holder !== parentArn || current.handOverTo !== mine.executionName) return undefined;
  const parent: LockHolder = { holder: current.holder, executionName: current.executionName, workflow: current.workflow, acquiredAt: current.acquiredAt, expiresAt: current.expiresAt };
  const taken = await put(key, { ...mine, handedOverBy: parent }, 'holder = :parent AND handOverTo = :name', {
    ':parent': { S: parentArn }, ':name': { S: mine.executionName },
  });
  return taken ? parent : undefined;
}

/** A free lock (or our own, on a retry), else one whose holder has ended or whose time is up; the holder taken over, if any. */
async function takeLock(key: string, mine: LockHolder, now: number): Promise<{ tookOverFrom?: string }> {
  if (await put(key, mine, `attribute_not_exists(${LOCK_KEY}) OR holder = :me`, { ':me': { S: mine.holder } })) return {};
  const other = await readLock(dynamodb, TABLE, key);
  const free = !other || other.expiresAt < now || !(await stillRunning(sfn, other.holder));
  // Taken over only if it is still the holder we judged: two executions racing for it cannot both win.
  const condition = other ? 'holder = :other' : `attribute_not_exists(${LOCK_KEY})`;
  if (!free || !(await put(key, mine, condition, other ? { ':other': { S: other.holder } } : {}))) {
    const by = other ? `execution ${other.executionName} (${other.workflow}, since ${other.acquiredAt})` : 'another execution';
    throw new ResourceLockedError(`${key} is being remediated by ${by}; this execution changed nothing. Start it again once that one has ended.`);
  }
  return other ? { tookOverFrom: other.holder } : {};
}

/**
 * First step after validation: one remediation per target at a time. A conditional put takes a free
 * lock (or re-takes our own, on a retry); a lock whose holder has ended or whose time is up is taken
 * over; a child takes the lock its parent granted it; otherwise the execution ends ResourceLockedError,
 * naming the holder, before any change.
 */
export const handler = async (event: AcquireLockEvent): Promise<LockState> => {
  const key = lockKeyOf(event.workflow, event.executionArn, event.target);
  const now = Math.floor(Date.now() / 1000);
  const mine: LockHolder = {
    holder: event.executionArn, executionName: event.executionName, workflow: event.workflow,
    acquiredAt: new Date().toISOString(), expiresAt: now + event.ttlSeconds,
  };
  const parentArn = event.request?.[STARTED_BY_FIELD];
  const handedOverBy = parentArn ? await takeHandOver(key, mine, parentArn) : undefined;
  const { tookOverFrom } = handedOverBy ? {} : await takeLock(key, mine, now);
  const taggedInstance = event.target?.startsWith('i-') ? await tagLockedInstance(ec2, event.target, event.executionName) : undefined;
  logger.info('lock acquired', { key, tookOverFrom, taggedInstance, handedOverBy: handedOverBy?.executionName });
  return {
    held: true, key, holder: event.executionArn, acquiredAt: mine.acquiredAt, expiresAt: mine.expiresAt,
    ...(tookOverFrom ? { tookOverFrom } : {}), ...(taggedInstance ? { taggedInstance } : {}), ...(handedOverBy ? { handedOverBy } : {}),
  };
};
