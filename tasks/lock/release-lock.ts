import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { isEc2NotFound } from '../lib/errors';
import { logger } from '../lib/logger';
import { putLock, tagLockedInstance } from './lib/item';
import { LOCK_KEY, LOCK_TABLE_ENV, LOCK_TAG, isConditionFailed, isResourceLock, lockTaggedResources, type LockHolder, type LockState } from './lib/lock';

const dynamodb = createDynamoDbClient();
const ec2 = createEc2Client();
const { [LOCK_TABLE_ENV]: TABLE } = readEnv({ [LOCK_TABLE_ENV]: requiredString });

export interface ReleaseLockEvent {
  lock: LockState;
  executionName: string;
  /** An account-level lock whose workflow tagged resources (LockResources): find and untag them as a resource lock does. */
  untagResources?: boolean;
}

export interface LockReleased {
  released: boolean;
  key?: string;
  /** What carried `remediation:lock` = this execution and no longer does (instances and volumes). */
  untagged?: string[];
  /** A handed-over lock: the parent execution it went back to (holder again, the instance tagged with its name). */
  givenBackTo?: string;
  at: string;
}

/** With a value, DeleteTags removes the tag only where it still names this execution. */
const deleteLockTag = (resources: string[], executionName: string) =>
  ec2.send(new DeleteTagsCommand({ Resources: resources, Tags: [{ Key: LOCK_TAG, Value: executionName }] }));

/** One call for all; if one of them has gone meanwhile (EC2 then refuses the whole call), each on its own. */
async function untag(resources: string[], executionName: string): Promise<void> {
  try {
    await deleteLockTag(resources, executionName);
  } catch (error) {
    if (!isEc2NotFound(error)) throw error;
    for (const resource of resources) {
      try {
        await deleteLockTag([resource], executionName);
      } catch (each) {
        if (!isEc2NotFound(each)) throw each;
      }
    }
  }
}

type HandedOver = LockState & { key: string; holder: string; handedOverBy: LockHolder };

/**
 * A child's lock goes back to the parent that granted it (the parent's own item, without the grant), not deleted: the
 * instance is tagged with the parent's name first, so it never goes untagged, then what else carries ours is untagged.
 * Only while we hold it (`holder = :me`): a re-run finds it given back already and changes nothing.
 */
async function giveBack(lock: HandedOver, executionName: string, tagged: string[], at: string): Promise<LockReleased> {
  const parent = lock.handedOverBy;
  const given = await putLock(dynamodb, TABLE, lock.key, parent, 'holder = :me', { ':me': { S: lock.holder } });
  if (given && lock.taggedInstance) await tagLockedInstance(ec2, lock.taggedInstance, parent.executionName);
  const untagged = tagged.filter((r) => !given || r !== lock.taggedInstance);
  if (untagged.length > 0) await untag(untagged, executionName);
  logger.info(given ? 'lock given back' : 'lock already given back or taken over', { key: lock.key, to: parent.executionName, untagged });
  return { released: given, key: lock.key, untagged: tagged, ...(given ? { givenBackTo: parent.executionName } : {}), at };
}

/**
 * Every ending of an execution that took the lock passes here (success, NO_ACTION, PLANNED, refusal,
 * rollback, failure). The `remediation:lock` tag is removed from whatever carries this execution's
 * value, found by tag (so a step that tagged and then crashed leaves nothing behind), and only our own
 * lock item is deleted (a handed-over one is given back instead): a re-run (or a lock already taken over) changes nothing.
 */
export const handler = async ({ lock, executionName, untagResources }: ReleaseLockEvent): Promise<LockReleased> => {
  const at = new Date().toISOString();
  if (!lock.held || !lock.key || !lock.holder) return { released: false, at };
  const untagged = isResourceLock(lock.key) || untagResources ? await lockTaggedResources(ec2, executionName) : [];
  if (lock.handedOverBy) return giveBack(lock as HandedOver, executionName, untagged, at);
  if (untagged.length > 0) await untag(untagged, executionName);
  try {
    await dynamodb.send(new DeleteItemCommand({
      TableName: TABLE, Key: { [LOCK_KEY]: { S: lock.key } }, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': { S: lock.holder } },
    }));
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    // Not ours any more (a re-run of this step, or taken over once our time was up): nothing of ours to release.
    logger.info('lock already released or taken over', { key: lock.key, untagged });
    return { released: false, key: lock.key, untagged, at };
  }
  logger.info('lock released', { key: lock.key, untagged });
  return { released: true, key: lock.key, untagged, at };
};
