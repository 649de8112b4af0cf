import { createEc2Client } from '../lib/clients/ec2';
import { VerificationFailedError } from '../lib/errors';
import { findKeyPair } from './lib/key-pairs';
import { publicKeyBody } from './lib/openssh';
import type { CreatedKeyPair } from './create-key-pair';
import type { KeyCommandPoll } from './check-key-command';

const ec2 = createEc2Client();

export interface VerifyKeyPairEvent {
  created: CreatedKeyPair;
  /** The read-only verify command's last poll: it ran to Success. */
  verifyPoll: KeyCommandPoll;
}

export interface KeyPairVerified {
  keyName: string;
  keyPairId: string;
  /** The verify command's output on the instance: the new key present, the old one absent. */
  onInstance: string;
  at: string;
}

/** Re-reads EC2: the new key pair exists with the public key that was installed; the instance's own check passed. */
export const handler = async ({ created, verifyPoll }: VerifyKeyPairEvent): Promise<KeyPairVerified> => {
  if (verifyPoll.status !== 'completed') throw new VerificationFailedError(`the verify command on the instance ended ${verifyPoll.commandStatus}`);
  const found = await findKeyPair(ec2, created.keyName);
  if (!found) throw new VerificationFailedError(`key pair ${created.keyName} is not in EC2`);
  if (!found.PublicKey || publicKeyBody(found.PublicKey) !== publicKeyBody(created.publicKey)) {
    throw new VerificationFailedError(`key pair ${created.keyName} in EC2 holds another public key than the one installed`);
  }
  return { keyName: created.keyName, keyPairId: found.KeyPairId as string, onInstance: verifyPoll.output ?? '', at: new Date().toISOString() };
};
