import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { ResourceLockedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { LOCK_KEY, LOCK_TABLE_ENV, isConditionFailed, type LockState } from './lib/lock';

const dynamodb = createDynamoDbClient();
const { [LOCK_TABLE_ENV]: TABLE } = readEnv({ [LOCK_TABLE_ENV]: requiredString });

export interface GrantLockEvent {
  lock: LockState;
  /** The child execution's name: only its AcquireLock may take the lock (it names this execution as its parent). */
  childName: string;
}

export interface LockGranted { key: string; to: string; at: string }

/**
 * The holder hands its lock to one named child it is about to start (and wait for): the item records `handOverTo`,
 * and only while this execution still holds it (`holder = :me`). The lock stays ours until the child takes it;
 * ReclaimLock takes it back afterwards. Granting the same child again (a retry) is harmless.
 */
export const handler = async ({ lock, childName }: GrantLockEvent): Promise<LockGranted> => {
  if (!lock.held || !lock.key || !lock.holder) throw new ResourceLockedError(`no lock held: nothing to hand over to ${childName}`);
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: TABLE, Key: { [LOCK_KEY]: { S: lock.key } }, UpdateExpression: 'SET handOverTo = :child', ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':child': { S: childName }, ':me': { S: lock.holder } },
    }));
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    throw new ResourceLockedError(`the lock on ${lock.key} is no longer this execution's (its time was up and another took it over): nothing handed to ${childName}, nothing more changed`);
  }
  logger.info('lock granted', { key: lock.key, to: childName });
  return { key: lock.key, to: childName, at: new Date().toISOString() };
};
