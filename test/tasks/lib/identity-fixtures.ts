import { signIdentityProof } from '../../../tasks/lib/identity/sign';

export const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:encrypt-volumes-i-0123456789abcdef0-20261201T120000Z';
export const ALICE_SESSION = 'arn:aws:sts::123456789012:assumed-role/SecOps/alice@example.com';
export const SECOPS_ROLE = 'arn:aws:iam::123456789012:role/SecOps';
export const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export const callerIdentityXml = (arn: string) =>
  `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn>`
  + '<UserId>AROAEXAMPLE:alice</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>';
export const stsErrorXml = (code: string) => `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${code}</Message></Error></ErrorResponse>`;

/** fetch answering as STS would; the calls are kept for assertions. */
export function mockSts(status: number, body: string) {
  return jest.spyOn(global, 'fetch').mockResolvedValue(new Response(body, { status }));
}

export const proofFor = (purpose: 'approve' | 'start' = 'approve', executionArn = EXECUTION_ARN, options: { signingDate?: Date; expiresInSeconds?: number } = {}) =>
  signIdentityProof(purpose, executionArn, { credentials: CREDENTIALS, ...options });

/** The environment of a function in us-east-1, not in local mode. */
export function inRegion(region = 'us-east-1') {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_STS;
  process.env.AWS_REGION = region;
}
