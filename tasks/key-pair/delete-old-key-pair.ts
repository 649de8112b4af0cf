import { CreateTagsCommand, DeleteKeyPairCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findInstances } from '../lib/ec2';
import { InstanceChangedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { findKeyPair } from './lib/key-pairs';
import type { OldKeyPair, RotationPlan } from './lib/plan';

const ec2 = createEc2Client();

export interface DeleteOldKeyPairEvent {
  plan: RotationPlan;
}

export interface OldKeyPairDeleted {
  /** What EC2 held: its fingerprint and public key, for the report's before-state. */
  deleted: OldKeyPair;
  /** false: a retry found it already gone, or other instances still launch-name it (`keptFor`). */
  deletedNow: boolean;
  /**
   * Other instances (not terminated) launched with the same key pair: their authorized_keys still hold the old key.
   * The key pair is kept so that rotating each of them can still find the old public key; the last rotation deletes it.
   */
  keptFor?: string[];
  at: string;
}

/**
 * Last step, after verify: deletes the old key pair from EC2. Re-reads it first: one re-created under the same name
 * since the plan (another id) is not ours to delete. Already gone (a retry): done. The instance is tagged
 * `remediation:key-rotated=<old key pair id>` (its KeyName goes on naming the old key pair). Still named by other live
 * instances not so tagged: kept (deleting it would leave their rotation without the old public key), and named.
 */
export const handler = async ({ plan }: DeleteOldKeyPairEvent): Promise<OldKeyPairDeleted> => {
  const old = plan.oldKeyPair as OldKeyPair;
  const at = new Date().toISOString();
  const current = await findKeyPair(ec2, old.keyName);
  if (!current) return { deleted: old, deletedNow: false, at };
  if (current.KeyPairId !== old.keyPairId) {
    throw new InstanceChangedError(`key pair ${old.keyName} is now ${current.KeyPairId}, not the ${old.keyPairId} the plan read: left as it is`);
  }
  await ec2.send(new CreateTagsCommand({ Resources: [plan.instanceId], Tags: [{ Key: TAG.keyRotated, Value: old.keyPairId }] }));
  const others = (await findInstances(ec2, [
    { Name: 'key-name', Values: [old.keyName] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
  ])).filter((i) => i.InstanceId !== plan.instanceId && tagValue(i.Tags, TAG.keyRotated) !== old.keyPairId).map((i) => i.InstanceId as string).sort();
  if (others.length > 0) {
    logger.info('old key pair kept: other instances use it', { keyName: old.keyName, others });
    return { deleted: old, deletedNow: false, keptFor: others, at };
  }
  // By name, having just checked its id: moto 5.2.1 ignores DeleteKeyPair by KeyPairId (answers true, deletes nothing).
  await ec2.send(new DeleteKeyPairCommand({ KeyName: old.keyName }));
  logger.info('old key pair deleted', { keyName: old.keyName, keyPairId: old.keyPairId });
  return { deleted: old, deletedNow: true, at };
};
