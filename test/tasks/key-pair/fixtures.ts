// What the stack gives the rotate-key-pair functions; imported first so handlers read it at load, as in Lambda.
export const KMS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const READER_ROLE = 'arn:aws:iam::111122223333:role/RemediationStack-KeyPairReaders';
Object.assign(process.env, { KEY_PAIR_KMS_KEY_ARN: KMS_KEY, KEY_PAIR_READER_ROLE_ARN: READER_ROLE });

import { generateSshKey } from '../../../tasks/key-pair/lib/openssh';
import type { RotationPlan } from '../../../tasks/key-pair/lib/plan';

export const INSTANCE = 'i-0123456789abcdef0';
export const EXECUTION = { name: 'rotate-key-pair-i-0123456789abcdef0-20261201T120000Z', startTime: '2026-12-01T12:00:00.000Z' };
/** Two keys, made once for the file (RSA generation takes a moment). */
export const OLD_KEY = generateSshKey();
export const NEW_KEY = generateSshKey();
export const OLD_KEY_PAIR = { keyName: 'ops', keyPairId: 'key-0123456789abcdef0', keyFingerprint: 'aa:bb', keyType: 'rsa', publicKey: OLD_KEY.publicKey };
export const NEW_NAME = `ops-rotated-${INSTANCE}-20261201T120000Z`;
export const PARAMETER = `/remediation/key-pairs/${INSTANCE}/${NEW_NAME}`;

export const rotationPlan = (overrides: Partial<RotationPlan> = {}): RotationPlan => ({
  outcome: 'PROCEED', target: INSTANCE, instanceId: INSTANCE, keyName: 'ops', oldKeyPair: OLD_KEY_PAIR, ssmManaged: true, osUser: 'ec2-user',
  newKeyName: NEW_NAME, parameterName: PARAMETER, ...overrides,
});
export const created = { keyName: NEW_NAME, keyPairId: 'key-0fedcba9876543210', keyFingerprint: 'cc:dd', publicKey: NEW_KEY.publicKey, parameterName: PARAMETER, kmsKeyArn: KMS_KEY, created: true, at: '2026-12-01T12:00:05.000Z' };
