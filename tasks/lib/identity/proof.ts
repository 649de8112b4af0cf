import { callThroughHooks } from '../client-hooks';

/**
 * An identity proof: an STS GetCallerIdentity request presigned (SigV4, query-string auth) with the
 * caller's own credentials, as HashiCorp Vault's AWS IAM auth does. Whoever executes it learns who
 * signed it, and nothing else: the URL grants no other action and expires within minutes. The signed
 * header BINDING_HEADER ties it to one purpose on one execution; the verifier sends the value it
 * expects, so STS refuses (SignatureDoesNotMatch) a proof signed for anything else.
 */
export interface IdentityProof {
  /** The presigned `GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&...` URL. */
  url: string;
}

/** The signed header that binds a proof to its purpose and execution. */
export const BINDING_HEADER = 'x-remediation-binding';
/** What a proof is for: approving a task token, or starting the execution (the trigger). */
export type ProofPurpose = 'approve' | 'start';
export const bindingOf = (purpose: ProofPurpose, executionArn: string): string => `${purpose}:${executionArn}`;

/** The longest lifetime a proof may be signed for, and the clock skew tolerated on its date. */
export const MAX_PROOF_SECONDS = 900;
export const CLOCK_SKEW_SECONDS = 300;

const ALLOWED_PARAMS = new Set([
  'Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token',
]);

/** A proof that proves nothing (malformed, expired, bound to something else, refused by STS): never retried. */
export class InvalidIdentityProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentityProofError';
  }
}

/** STS did not answer (network, 5xx, throttling): a transient error name the state machine retries. */
class StsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailable';
  }
}

/**
 * The only STS endpoint a proof may name: the configured local endpoint in local mode (the emulator,
 * AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL), else the regional endpoint of the function's own region.
 * Executing a URL of any other host would let a caller answer for STS.
 */
export function stsEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  const local = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (local) return new URL(local);
  const region = env.AWS_REGION;
  if (!region) throw new Error('AWS_REGION is not set: the STS endpoint of a proof is the region\'s own');
  return new URL(`https://sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}/`);
}

/** `20261201T120000Z` -> epoch ms. */
function amzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Checks what can be checked without STS: the endpoint, the action, the binding header signed, the expiry. */
export function checkProofShape(proof: unknown, endpoint: URL, now: Date): URL {
  const text = (proof as Partial<IdentityProof> | undefined)?.url;
  if (typeof text !== 'string') throw new InvalidIdentityProofError('no identity proof (an STS GetCallerIdentity request presigned by the caller)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidIdentityProofError('the identity proof is not a URL');
  }
  if (url.protocol !== endpoint.protocol || url.host !== endpoint.host || (url.pathname !== '/' && url.pathname !== endpoint.pathname)) {
    throw new InvalidIdentityProofError(`the identity proof names ${url.protocol}//${url.host}, not the STS endpoint ${endpoint.protocol}//${endpoint.host}`);
  }
  const params = url.searchParams;
  const unexpected = [...params.keys()].filter((k) => !ALLOWED_PARAMS.has(k));
  if (params.get('Action') !== 'GetCallerIdentity' || params.get('Version') !== '2011-06-15' || unexpected.length > 0) {
    throw new InvalidIdentityProofError('the identity proof is not a GetCallerIdentity request (and only that)');
  }
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !params.get('X-Amz-Signature') || !params.get('X-Amz-Credential')) {
    throw new InvalidIdentityProofError('the identity proof is not SigV4-presigned');
  }
  if (!(params.get('X-Amz-SignedHeaders') ?? '').split(';').includes(BINDING_HEADER)) {
    throw new InvalidIdentityProofError(`the identity proof does not sign ${BINDING_HEADER}: it is bound to no execution`);
  }
  const signedAt = amzDate(params.get('X-Amz-Date') ?? '');
  const expires = Number(params.get('X-Amz-Expires'));
  if (Number.isNaN(signedAt) || !Number.isInteger(expires) || expires <= 0) throw new InvalidIdentityProofError('the identity proof has no valid date and expiry');
  if (expires > MAX_PROOF_SECONDS) throw new InvalidIdentityProofError(`the identity proof is valid for ${expires} s; at most ${MAX_PROOF_SECONDS} s is accepted`);
  if (signedAt > now.getTime() + CLOCK_SKEW_SECONDS * 1000) throw new InvalidIdentityProofError('the identity proof is dated in the future');
  if (signedAt + expires * 1000 <= now.getTime()) throw new InvalidIdentityProofError(`the identity proof expired at ${new Date(signedAt + expires * 1000).toISOString()}`);
  return url;
}

const xmlField = (xml: string, field: string): string | undefined => new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml)?.[1];

/** Executes the presigned request with the binding the verifier expects; the ARN STS answers is who signed it. */
async function callerOf(url: URL, binding: string): Promise<string> {
  const headers = { [BINDING_HEADER]: binding, accept: 'application/xml' };
  const answer = await callThroughHooks({ service: 'sts', command: 'GetCallerIdentity', input: { url: url.toString(), headers } }, async () => {
    let response: Response;
    try {
      response = await fetch(url, { method: 'GET', headers, redirect: 'error', signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new StsUnavailable(`STS did not answer the identity proof: ${(error as Error).message}`);
    }
    return { status: response.status, body: await response.text() };
  }) as { status: number; body: string };
  if (answer.status >= 500 || answer.status === 429 || xmlField(answer.body, 'Code') === 'Throttling') {
    throw new StsUnavailable(`STS answered ${answer.status} to the identity proof`);
  }
  if (answer.status !== 200) {
    const code = xmlField(answer.body, 'Code') ?? `HTTP ${answer.status}`;
    // SignatureDoesNotMatch: signed for another execution or purpose (or tampered with).
    throw new InvalidIdentityProofError(`STS refused the identity proof (${code}): it is expired, tampered with, or bound to something other than ${binding}`);
  }
  const arn = xmlField(answer.body, 'Arn');
  if (!arn) throw new InvalidIdentityProofError('STS answered the identity proof without an ARN');
  return arn;
}

export interface VerifiedIdentity {
  /** Who signed the proof, as STS names them (an assumed-role session, an IAM user, ...). */
  arn: string;
  /** What the comparison with the requester uses (principalOf). */
  principal: string;
  verifiedAt: string;
}

/** The signer of `proof` for `purpose` on `executionArn`, as STS says; InvalidIdentityProofError otherwise. */
export async function verifyIdentityProof(proof: unknown, purpose: ProofPurpose, executionArn: string, now = new Date()): Promise<VerifiedIdentity> {
  const url = checkProofShape(proof, stsEndpoint(), now);
  const arn = await callerOf(url, bindingOf(purpose, executionArn));
  return { arn, principal: principalOf(arn), verifiedAt: now.toISOString() };
}

/**
 * The principal behind an identity: the role of an assumed-role session (the session name is chosen
 * by whoever assumes the role, so it tells nobody apart), else the ARN itself (an IAM user, a
 * federated user, the root user).
 */
export function principalOf(arn: string): string {
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : arn;
}
