import { DeleteKeyPairCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { InstanceChangedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { findKeyPair } from './lib/key-pairs';
import type { OldKeyPair, RotationPlan } from './lib/plan';

const ec2 = createEc2Client();

export interface DeleteOldKeyPairEvent {
  plan: RotationPlan;
}

export interface OldKeyPairDeleted {
  /** What EC2 held: its fingerprint and public key, for the report's before-state. */
  deleted: OldKeyPair;
  /** false: a retry found it already gone. */
  deletedNow: boolean;
  at: string;
}

/**
 * Last step, after verify: deletes the old key pair from EC2, by id. Re-reads it first: one re-created under the
 * same name since the plan (another id) is not ours to delete. Already gone (a retry): done.
 */
export const handler = async ({ plan }: DeleteOldKeyPairEvent): Promise<OldKeyPairDeleted> => {
  const old = plan.oldKeyPair as OldKeyPair;
  const at = new Date().toISOString();
  const current = await findKeyPair(ec2, old.keyName);
  if (!current) return { deleted: old, deletedNow: false, at };
  if (current.KeyPairId !== old.keyPairId) {
    throw new InstanceChangedError(`key pair ${old.keyName} is now ${current.KeyPairId}, not the ${old.keyPairId} the plan read: left as it is`);
  }
  // By name, having just checked its id: moto 5.2.1 ignores DeleteKeyPair by KeyPairId (answers true, deletes nothing).
  await ec2.send(new DeleteKeyPairCommand({ KeyName: old.keyName }));
  logger.info('old key pair deleted', { keyName: old.keyName, keyPairId: old.keyPairId });
  return { deleted: old, deletedNow: true, at };
};
