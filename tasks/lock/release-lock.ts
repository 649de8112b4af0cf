import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { LOCK_KEY, LOCK_TABLE_ENV, LOCK_TAG, isConditionFailed, type LockState } from './lib/lock';

const dynamodb = createDynamoDbClient();
const ec2 = createEc2Client();
const { [LOCK_TABLE_ENV]: TABLE } = readEnv({ [LOCK_TABLE_ENV]: requiredString });

export interface ReleaseLockEvent {
  lock: LockState;
  executionName: string;
}

export interface LockReleased {
  released: boolean;
  key?: string;
  at: string;
}

/**
 * Every ending of an execution that took the lock passes here (success, NO_ACTION, PLANNED, refusal,
 * rollback, failure). Only our own lock is deleted and only our own tag value removed, so a re-run
 * (or a lock already taken over) changes nothing.
 */
export const handler = async ({ lock, executionName }: ReleaseLockEvent): Promise<LockReleased> => {
  const at = new Date().toISOString();
  if (!lock.held || !lock.key || !lock.holder) return { released: false, at };
  if (lock.taggedInstance) {
    try {
      // With a value, DeleteTags removes the tag only while it still names this execution.
      await ec2.send(new DeleteTagsCommand({ Resources: [lock.taggedInstance], Tags: [{ Key: LOCK_TAG, Value: executionName }] }));
    } catch (error) {
      if (awsErrorName(error) !== 'InvalidInstanceID.NotFound') throw error;
    }
  }
  try {
    await dynamodb.send(new DeleteItemCommand({
      TableName: TABLE, Key: { [LOCK_KEY]: { S: lock.key } }, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': { S: lock.holder } },
    }));
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    // Not ours any more (a re-run of this step, or taken over once our time was up): nothing of ours to release.
    logger.info('lock already released or taken over', { key: lock.key });
    return { released: false, key: lock.key, at };
  }
  logger.info('lock released', { key: lock.key });
  return { released: true, key: lock.key, at };
};
