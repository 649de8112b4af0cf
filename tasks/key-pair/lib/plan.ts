import type { Outcome } from '../../lib/types';

export interface OldKeyPair {
  keyName: string;
  keyPairId: string;
  keyFingerprint: string;
  keyType?: string;
  /** OpenSSH public key line, as EC2 holds it (DescribeKeyPairs IncludePublicKey). */
  publicKey: string;
}

/** What preflight found and what apply would do. */
export interface RotationPlan {
  outcome: Outcome;
  target: string;
  instanceId: string;
  /** The instance's KeyName (EC2 keeps it for the instance's life, whatever happens to the key pair). */
  keyName?: string;
  /** The key pair, when it still exists in EC2. */
  oldKeyPair?: OldKeyPair;
  ssmManaged: boolean;
  platform?: string;
  osUser: string;
  /** Why nothing is (or will be) done. */
  reason?: string;
  /** Not SSM-managed: the steps a person takes instead. */
  manualSteps?: string[];
  /** What apply creates: deterministic, so a retry of this execution finds it. */
  newKeyName?: string;
  parameterName?: string;
}

/** Where each rotated private key is kept: one SecureString per instance and key. */
export const PARAMETER_ROOT = '/remediation/key-pairs';
export const parameterName = (instanceId: string, keyName: string): string => `${PARAMETER_ROOT}/${instanceId}/${keyName}`;

/**
 * `<old name>-rotated-<instance id>-<yyyymmddThhmmssZ>` from the execution's start (or `-<case id>`): the same in every
 * retry of one execution. The instance id keeps apart two instances launched with one key pair and rotated in the same
 * second, or in one case (triage isolates every instance of an event under one case id).
 */
export function newKeyNameFor(oldName: string, instanceId: string, startTime: string, caseId?: string): string {
  const suffix = caseId ?? startTime.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${oldName.replace(/-rotated-[A-Za-z0-9_-]+$/, '')}-rotated-${instanceId}-${suffix}`.slice(0, 255);
}

/** What a person does when the instance is not SSM-managed (nothing can reach its authorized_keys). */
export function manualRotationSteps(instanceId: string, keyName: string, osUser: string): string[] {
  return [
    `Create a key on your workstation: ssh-keygen -t ed25519 -f ./${keyName}-rotated -C ${keyName}-rotated`,
    `Import its public key: aws ec2 import-key-pair --key-name ${keyName}-rotated --public-key-material fileb://./${keyName}-rotated.pub`,
    `Log in to ${instanceId} as ${osUser} (with the old key, EC2 Instance Connect or the serial console) and back up ~/.ssh/authorized_keys: cp -p ~/.ssh/authorized_keys ~/.ssh/authorized_keys.bak`,
    `Append the new public key to ~/.ssh/authorized_keys and delete the line holding the old one (ssh-keygen -lf ~/.ssh/authorized_keys shows each key's fingerprint); log in with the new key before closing the old session`,
    `Delete the old key pair from EC2: aws ec2 delete-key-pair --key-name ${keyName}`,
    `Or make the instance SSM-managed (SSM Agent running, an instance profile with AmazonSSMManagedInstanceCore) and run this workflow again with rotateKeyPair: true`,
    `The instance's KeyName metadata stays ${keyName}: EC2 cannot change it`,
  ];
}
