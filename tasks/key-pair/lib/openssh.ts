import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/** An SSH string (RFC 4251 section 5): a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

const ED25519 = Buffer.from('ssh-ed25519');
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** The public key blob (RFC 8709): string "ssh-ed25519", string the 32-byte key. */
const ed25519Blob = (publicKey: Buffer): Buffer => Buffer.concat([sshString(ED25519), sshString(publicKey)]);

/** `ssh-ed25519 AAAA...` from an Ed25519 public key. */
export function openSshPublicKey(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('only Ed25519 public keys are converted');
  return `ssh-ed25519 ${ed25519Blob(Buffer.from(jwk.x, 'base64url')).toString('base64')}`;
}

/**
 * The OpenSSH private key file (PROTOCOL.key, "openssh-key-v1", unencrypted): what ssh, ssh-keygen and PuTTYgen read.
 * Node exports Ed25519 private keys only as PKCS#8, which OpenSSH before 8.x does not read.
 */
function openSshPrivateKey(privateKey: KeyObject, comment: string): string {
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d || !jwk.x) throw new Error('not an Ed25519 private key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const check = randomBytes(4);
  const body = Buffer.concat([check, check, sshString(ED25519), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.from(comment))]);
  // Padded with 1, 2, 3, ... to the cipher's block size (8 for "none").
  const padding = Buffer.from(Array.from({ length: (8 - (body.length % 8)) % 8 }, (_, i) => i + 1));
  const file = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString(Buffer.from('none')), sshString(Buffer.from('none')), sshString(Buffer.alloc(0)), u32(1),
    sshString(ed25519Blob(pub)), sshString(Buffer.concat([body, padding])),
  ]);
  const lines = file.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
}

export interface GeneratedKey {
  /** OpenSSH public key line (`ssh-ed25519 <base64>`), what ImportKeyPair and authorized_keys take. */
  publicKey: string;
  /** The OpenSSH private key file (`BEGIN OPENSSH PRIVATE KEY`). */
  privateKeyPem: string;
}

/**
 * A new Ed25519 key, made in the Lambda: the private key never passes through EC2 (CreateKeyPair would return it in
 * EC2's answer, lost for good if that answer is). Ed25519: EC2 imports it for Linux instances, OpenSSH 6.5+ and
 * PuTTY read it, and it is made in microseconds (an RSA 3072 key takes seconds of a small Lambda's CPU).
 */
export function generateSshKey(comment = 'rotate-key-pair'): GeneratedKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: openSshPublicKey(publicKey), privateKeyPem: openSshPrivateKey(privateKey, comment) };
}

/** The base64 body of an OpenSSH public key line (`[options] type body [comment]`): what identifies the key in authorized_keys. */
export function publicKeyBody(line: string): string {
  const fields = line.trim().split(/\s+/);
  const body = fields.find((f, i) => i > 0 && /^AAAA[A-Za-z0-9+/]+={0,3}$/.test(f) && /^(ssh-|ecdsa-|sk-)/.test(fields[i - 1] ?? ''));
  if (!body) throw new Error('not an OpenSSH public key line');
  return body;
}

/** OpenSSH's SHA256 fingerprint (`ssh-keygen -l`) of a public key line. */
export const sha256Fingerprint = (line: string): string =>
  `SHA256:${createHash('sha256').update(Buffer.from(publicKeyBody(line), 'base64')).digest('base64').replace(/=+$/, '')}`;
