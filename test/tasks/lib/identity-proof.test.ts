import { BINDING_HEADER, checkProofShape, principalOf, stsEndpoint, verifyIdentityProof } from '../../../tasks/lib/identity/proof';
import { TRANSIENT_ERRORS } from '../../../tasks/lib/errors';
import { ALICE_SESSION, EXECUTION_ARN, SECOPS_ROLE, callerIdentityXml, inRegion, mockSts, proofFor, stsErrorXml } from './identity-fixtures';

beforeEach(() => inRegion());
afterEach(() => jest.restoreAllMocks());

const withParam = (url: string, key: string, value: string) => {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return { url: u.toString() };
};

describe('verifyIdentityProof', () => {
  it('executes the presigned request with the binding it expects and names the signer as STS does', async () => {
    const fetch = mockSts(200, callerIdentityXml(ALICE_SESSION));
    const proof = await proofFor();

    const identity = await verifyIdentityProof(proof, 'approve', EXECUTION_ARN);

    expect(identity).toEqual({ arn: ALICE_SESSION, principal: SECOPS_ROLE, verifiedAt: expect.any(String) });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as [URL, RequestInit];
    expect(url.toString()).toBe(proof.url);
    expect(init).toMatchObject({ method: 'GET', redirect: 'error', headers: { [BINDING_HEADER]: `approve:${EXECUTION_ARN}` } });
  });

  it('STS refusing the signature (signed for another execution or purpose) is an invalid proof', async () => {
    mockSts(403, stsErrorXml('SignatureDoesNotMatch'));

    await expect(verifyIdentityProof(await proofFor('start'), 'approve', EXECUTION_ARN)).rejects.toMatchObject({
      name: 'InvalidIdentityProofError', message: expect.stringContaining(`STS refused the identity proof (SignatureDoesNotMatch)`),
    });
  });

  it.each([
    ['a 503', () => mockSts(503, 'unavailable')],
    ['throttling', () => mockSts(400, stsErrorXml('Throttling'))],
    ['no answer', () => jest.spyOn(global, 'fetch').mockRejectedValue(new TypeError('fetch failed'))],
  ])('STS unavailable (%s) is a transient error the state retries, not a verdict', async (_, answer) => {
    answer();

    const failure = verifyIdentityProof(await proofFor(), 'approve', EXECUTION_ARN);

    await expect(failure).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(TRANSIENT_ERRORS).toContain('ServiceUnavailable');
  });

  it('an answer without an ARN proves nothing', async () => {
    mockSts(200, '<GetCallerIdentityResponse/>');

    await expect(verifyIdentityProof(await proofFor(), 'approve', EXECUTION_ARN)).rejects.toMatchObject({ name: 'InvalidIdentityProofError' });
  });
});

describe('checkProofShape: refused before any request is sent', () => {
  const now = new Date();
  const endpoint = new URL('https://sts.us-east-1.amazonaws.com/');

  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['no proof', async () => undefined, /no identity proof/],
    ['not a URL', async () => ({ url: 'sts please' }), /not a URL/],
    ['another host', async () => ({ url: (await proofFor()).url.replace('sts.us-east-1.amazonaws.com', 'sts.us-east-1.amazonaws.com.evil.example') }), /not the STS endpoint/],
    ['another region', async () => ({ url: (await proofFor()).url.replace('sts.us-east-1.', 'sts.eu-west-1.') }), /not the STS endpoint/],
    ['plain http', async () => ({ url: (await proofFor()).url.replace('https:', 'http:') }), /not the STS endpoint/],
    ['another action', async () => withParam((await proofFor()).url, 'Action', 'AssumeRole'), /not a GetCallerIdentity request/],
    ['an extra parameter', async () => withParam((await proofFor()).url, 'RoleArn', SECOPS_ROLE), /not a GetCallerIdentity request/],
    ['the binding not signed', async () => withParam((await proofFor()).url, 'X-Amz-SignedHeaders', 'host'), /does not sign x-remediation-binding/],
    ['a long lifetime', async () => withParam((await proofFor()).url, 'X-Amz-Expires', '3600'), /valid for 3600 s; at most 900 s/],
    ['expired', async () => proofFor('approve', EXECUTION_ARN, { signingDate: new Date(now.getTime() - 120_000), expiresInSeconds: 60 }), /the identity proof expired at/],
    ['dated in the future', async () => proofFor('approve', EXECUTION_ARN, { signingDate: new Date(now.getTime() + 3_600_000) }), /dated in the future/],
  ];
  it.each(cases)('%s', async (_, proof, message) => {
    const fetch = jest.spyOn(global, 'fetch');

    const shaped = await proof();
    expect(() => checkProofShape(shaped, endpoint, now)).toThrow(expect.objectContaining({ name: 'InvalidIdentityProofError', message: expect.stringMatching(message) }));
    await expect(verifyIdentityProof(shaped, 'approve', EXECUTION_ARN, now)).rejects.toMatchObject({ name: 'InvalidIdentityProofError' });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a well-formed proof passes', async () => {
    expect(checkProofShape(await proofFor(), endpoint, now).host).toBe('sts.us-east-1.amazonaws.com');
  });
});

describe('stsEndpoint', () => {
  it('is the region\'s own, with the China partition\'s suffix there', () => {
    expect(stsEndpoint({ AWS_REGION: 'eu-west-1' }).toString()).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(stsEndpoint({ AWS_REGION: 'cn-north-1' }).toString()).toBe('https://sts.cn-north-1.amazonaws.com.cn/');
  });

  it('is the configured endpoint in local mode (the emulator), STS\'s own first', () => {
    expect(stsEndpoint({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).host).toBe('127.0.0.1:5000');
    expect(stsEndpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:6000' }).host).toBe('127.0.0.1:6000');
  });
});

describe('principalOf', () => {
  it('is the role behind an assumed-role session (session names are the assumer\'s choice), else the ARN itself', () => {
    expect(principalOf(ALICE_SESSION)).toBe(SECOPS_ROLE);
    expect(principalOf('arn:aws:sts::123456789012:assumed-role/SecOps/bob')).toBe(SECOPS_ROLE);
    expect(principalOf('arn:aws-cn:sts::123456789012:assumed-role/Ops/x')).toBe('arn:aws-cn:iam::123456789012:role/Ops');
    expect(principalOf('arn:aws:iam::123456789012:user/alice')).toBe('arn:aws:iam::123456789012:user/alice');
    expect(principalOf('arn:aws:sts::123456789012:federated-user/alice')).toBe('arn:aws:sts::123456789012:federated-user/alice');
  });
});
