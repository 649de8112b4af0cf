import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, SourceData } from '@smithy/types';
import { BINDING_HEADER, MAX_PROOF_SECONDS, bindingOf, stsEndpoint, type IdentityProof, type ProofPurpose } from './proof';

const bytes = (data: SourceData): BinaryLike => (typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

/** SigV4's hash: SHA-256, or HMAC-SHA-256 with a secret (the shape @smithy/signature-v4 expects). */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SignProofOptions {
  credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  /** The execution's region (default: the one in its ARN). */
  region?: string;
  /** The STS endpoint (default: stsEndpoint() for that region: the local endpoint in local mode). */
  endpoint?: URL;
  expiresInSeconds?: number;
  signingDate?: Date;
}

/** `arn:aws:states:<region>:...` -> its region. */
const regionOfArn = (arn: string): string | undefined => arn.split(':')[3] || undefined;

/**
 * Presigns STS GetCallerIdentity with `credentials`, binding it (a signed header) to `purpose` on
 * `executionArn` (docs/approval.md). Whoever holds the result can learn who signed it, for a few
 * minutes, and nothing more.
 */
export async function signIdentityProof(purpose: ProofPurpose, executionArn: string, options: SignProofOptions): Promise<IdentityProof> {
  const region = options.region ?? regionOfArn(executionArn) ?? process.env.AWS_REGION ?? 'us-east-1';
  const endpoint = options.endpoint ?? stsEndpoint({ ...process.env, AWS_REGION: region });
  const signer = new SignatureV4({ service: 'sts', region, credentials: options.credentials, sha256: Sha256, uriEscapePath: true, applyChecksum: false });
  const signed = await signer.presign({
    method: 'GET', protocol: endpoint.protocol, hostname: endpoint.hostname, ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: endpoint.host, [BINDING_HEADER]: bindingOf(purpose, executionArn) },
  }, { expiresIn: Math.min(options.expiresInSeconds ?? 300, MAX_PROOF_SECONDS), ...(options.signingDate ? { signingDate: options.signingDate } : {}) });
  const url = new URL(`${endpoint.protocol}//${endpoint.host}/`);
  for (const [key, value] of Object.entries(signed.query ?? {})) url.searchParams.set(key, String(value));
  return { url: url.toString() };
}
