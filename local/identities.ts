import { CreateAccessKeyCommand, CreateUserCommand, GetAccessKeyLastUsedCommand, IAMClient, ListUserTagsCommand, TagUserCommand } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity } from '@smithy/types';
import { LOCAL_ACCOUNT } from './account';
import { BINDING_HEADER } from '../tasks/lib/identity/proof';
import { signIdentityProof } from '../tasks/lib/identity/sign';

/**
 * Identities in the emulator, for identity proofs (tasks/lib/identity/proof.ts) in local mode.
 *
 * moto answers a presigned GetCallerIdentity without checking its signature, and names the default
 * user `moto` whoever signed it (it reads the access key from an Authorization header only). So the
 * local runner answers presigned STS requests itself (presignedCallerIdentity): it re-signs the
 * request with the signer's secret, refuses a mismatch (SignatureDoesNotMatch) or an expired one as
 * STS would, and then asks moto who owns the access key. A local identity is a moto IAM user whose
 * access key's secret is kept in a tag of the user, so another process (`remediate approve --local`)
 * and the waiting runner agree on it. Emulator credentials only: nothing here is a real secret.
 */
export interface LocalIdentity {
  name: string;
  arn: string;
  credentials: AwsCredentialIdentity;
}

const SECRET_TAG = 'remediation-local:secret-access-key';
const KEY_TAG = 'remediation-local:access-key-id';
const iam = () => new IAMClient({});

/** The IAM user `name` in the emulator with an access key (created on first use, then reused). */
export async function localIdentity(name: string): Promise<LocalIdentity> {
  const client = iam();
  try {
    await client.send(new CreateUserCommand({ UserName: name }));
  } catch (error) {
    if (!/^EntityAlreadyExists/.test((error as Error).name)) throw error;
  }
  const tags = Object.fromEntries(((await client.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? []).map((t) => [t.Key, t.Value]));
  let accessKeyId = tags[KEY_TAG];
  let secretAccessKey = tags[SECRET_TAG];
  if (!accessKeyId || !secretAccessKey) {
    const key = (await client.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    accessKeyId = key?.AccessKeyId as string;
    secretAccessKey = key?.SecretAccessKey as string;
    await client.send(new TagUserCommand({ UserName: name, Tags: [{ Key: KEY_TAG, Value: accessKeyId }, { Key: SECRET_TAG, Value: secretAccessKey }] }));
  }
  return { name, arn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${name}`, credentials: { accessKeyId, secretAccessKey } };
}

/** The secret of a local access key: the process's own credentials, or a local identity's. */
async function secretOf(accessKeyId: string): Promise<string | undefined> {
  if (accessKeyId === process.env.AWS_ACCESS_KEY_ID) return process.env.AWS_SECRET_ACCESS_KEY;
  try {
    const client = iam();
    const userName = (await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).UserName;
    if (!userName) return undefined;
    const tags = (await client.send(new ListUserTagsCommand({ UserName: userName }))).Tags ?? [];
    return tags.find((t) => t.Key === KEY_TAG)?.Value === accessKeyId ? tags.find((t) => t.Key === SECRET_TAG)?.Value : undefined;
  } catch {
    return undefined; // not a key the emulator issued
  }
}

const stsError = (code: string, message: string) => ({
  status: 403,
  body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
});

/** A presigned GetCallerIdentity (the hook's `input`: url and the headers sent), answered as STS would. */
export async function presignedCallerIdentity(input: { url: string; headers: Record<string, string> }, now = new Date()): Promise<{ status: number; body: string }> {
  const url = new URL(input.url);
  const q = url.searchParams;
  const [accessKeyId, date] = (q.get('X-Amz-Credential') ?? '').split('/');
  const secretAccessKey = accessKeyId ? await secretOf(accessKeyId) : undefined;
  if (!accessKeyId || !secretAccessKey) return stsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const amzDate = q.get('X-Amz-Date') ?? '';
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const expires = Number(q.get('X-Amz-Expires'));
  if (Number.isNaN(signingDate.getTime()) || !date) return stsError('IncompleteSignature', 'The request signature is incomplete.');
  if (signingDate.getTime() + expires * 1000 <= now.getTime()) return stsError('ExpiredToken', 'Request has expired.');
  const binding = input.headers[BINDING_HEADER] ?? '';
  const purpose = binding.split(':')[0] as 'approve' | 'start';
  const expected = await signIdentityProof(purpose, binding.slice(purpose.length + 1), {
    credentials: { accessKeyId, secretAccessKey, ...(q.get('X-Amz-Security-Token') ? { sessionToken: q.get('X-Amz-Security-Token') as string } : {}) },
    region: (q.get('X-Amz-Credential') ?? '').split('/')[2] as string, endpoint: new URL(`${url.protocol}//${url.host}/`), expiresInSeconds: expires, signingDate,
  });
  if (new URL(expected.url).searchParams.get('X-Amz-Signature') !== q.get('X-Amz-Signature')) {
    return stsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  // moto names the owner of an access key it finds in an Authorization header.
  const response = await fetch(`${url.protocol}//${url.host}/?Action=GetCallerIdentity&Version=2011-06-15`, {
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0` },
  });
  return { status: response.status, body: await response.text() };
}
