import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { ResourceLockedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { putLock, readLock, stillRunning, tagLockedInstance } from './lib/item';
import { LOCK_TABLE_ENV, type LockHolder, type LockState } from './lib/lock';

const dynamodb = createDynamoDbClient();
const sfn = createSfnClient();
const ec2 = createEc2Client();
const { [LOCK_TABLE_ENV]: TABLE } = readEnv({ [LOCK_TABLE_ENV]: requiredString });

export interface ReclaimLockEvent {
  lock: LockState;
  workflow: string;
  executionName: string;
  /** The child GrantLock named. */
  childName: string;
}

export interface LockReclaimed {
  key: string;
  /** self: the child gave it back (or never took it); else the ARN of the child that ended without giving it back. */
  from: string;
  at: string;
}

/**
 * After the child: the lock back to this execution as it first took it (same expiry, no grant left). Taken back when
 * we hold it (the child gave it back, or never took it), or from the child we granted it to once that child is no
 * longer RUNNING (it crashed or was stopped without releasing). Anyone else holds it: ResourceLockedError, and the
 * workflow changes nothing more (its rollback runs). The instance is tagged with our name again either way.
 */
export const handler = async ({ lock, workflow, executionName, childName }: ReclaimLockEvent): Promise<LockReclaimed> => {
  const { key, holder, acquiredAt, expiresAt } = lock;
  if (!lock.held || !key || !holder || !acquiredAt || expiresAt === undefined) throw new ResourceLockedError(`no lock held: nothing to reclaim from ${childName}`);
  const mine: LockHolder = { holder, executionName, workflow, acquiredAt, expiresAt };
  let from = 'self';
  if (!(await putLock(dynamodb, TABLE, key, mine, 'holder = :me', { ':me': { S: holder } }))) {
    const current = await readLock(dynamodb, TABLE, key);
    const child = current?.executionName === childName && current.handedOverBy?.holder === holder ? current.holder : undefined;
    const reclaimed = child !== undefined && !(await stillRunning(sfn, child))
      && (await putLock(dynamodb, TABLE, key, mine, 'holder = :child', { ':child': { S: child } }));
    if (!reclaimed) {
      const by = current ? `execution ${current.executionName} (${current.workflow}, since ${current.acquiredAt})` : 'nobody (the lock was deleted)';
      throw new ResourceLockedError(`the lock on ${key} did not come back from ${childName}: it is held by ${by}; this execution changes nothing more`);
    }
    from = child;
  }
  if (lock.taggedInstance) await tagLockedInstance(ec2, lock.taggedInstance, executionName);
  logger.info('lock reclaimed', { key, from });
  return { key, from, at: new Date().toISOString() };
};
