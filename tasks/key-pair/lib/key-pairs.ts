import { DescribeKeyPairsCommand, type EC2Client, type KeyPairInfo } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../../lib/errors';
import type { OldKeyPair } from './plan';

/** The key pair by name with its public key, or undefined when EC2 has none of that name (InvalidKeyPair.NotFound). */
export async function findKeyPair(ec2: EC2Client, keyName: string): Promise<KeyPairInfo | undefined> {
  try {
    return (await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [keyName], IncludePublicKey: true }))).KeyPairs?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'InvalidKeyPair.NotFound') return undefined;
    throw error;
  }
}

export const asOldKeyPair = (k: KeyPairInfo): OldKeyPair => ({
  keyName: k.KeyName as string, keyPairId: k.KeyPairId as string, keyFingerprint: k.KeyFingerprint as string,
  ...(k.KeyType ? { keyType: k.KeyType } : {}), publicKey: (k.PublicKey ?? '').trim(),
});
