import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An SSH string (RFC 4251 section 5): a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An SSH mpint: big-endian, with a leading zero byte when the high bit is set (the number is positive). */
const mpint = (base64url: string): Buffer => {
  const raw = Buffer.from(base64url, 'base64url');
  return sshString(raw[0] !== undefined && raw[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
};

/** `ssh-rsa AAAA...` (RFC 4253 section 6.6) from an RSA public key. */
export function openSshPublicKey(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('only RSA public keys are converted');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

export interface GeneratedKey {
  /** OpenSSH public key line (`ssh-rsa <base64>`), what ImportKeyPair and authorized_keys take. */
  publicKey: string;
  /** PEM (PKCS#1, `BEGIN RSA PRIVATE KEY`): what every ssh client and PuTTYgen read. */
  privateKeyPem: string;
}

/**
 * A new RSA key, made in the Lambda: the private key never passes through EC2 (CreateKeyPair would return it in
 * EC2's answer, lost for good if that answer is). RSA rather than ed25519: EC2 imports both, but a PKCS#8 ed25519 key
 * is not read by older ssh clients; 3072 bits is NIST's 128-bit level, as ed25519.
 */
export function generateSshKey(bits = 3072): GeneratedKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return { publicKey: openSshPublicKey(publicKey), privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString() };
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
