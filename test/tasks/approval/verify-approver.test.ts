import { handler } from '../../../tasks/approval/verify-approver';
import { ALICE_SESSION, EXECUTION_ARN, SECOPS_ROLE, callerIdentityXml, inRegion, mockSts, proofFor, stsErrorXml } from '../lib/identity-fixtures';

beforeEach(() => inRegion());
afterEach(() => jest.restoreAllMocks());

const BOB = 'arn:aws:iam::123456789012:user/bob';
const approve = async (trigger?: Record<string, unknown>, answer: Record<string, unknown> = {}) =>
  handler({ answer: { approved: true, identityProof: await proofFor(), ...answer }, executionArn: EXECUTION_ARN, ...(trigger ? { trigger: trigger as never } : {}) });

describe('verify-approver', () => {
  it('records who signed the proof as the approver, with the reason and the proven requester', async () => {
    mockSts(200, callerIdentityXml(ALICE_SESSION));

    const record = await approve({ source: 'cli', principal: BOB, verified: true }, { reason: 'CHG-42', approver: 'arn:aws:iam::123456789012:user/ciso' });

    expect(record).toEqual({ approved: true, approver: ALICE_SESSION, approverPrincipal: SECOPS_ROLE, verifiedAt: expect.any(String), reason: 'CHG-42', requester: BOB });
  });

  it('refuses the requester, compared as principals: another session of the role that started it is the same requester', async () => {
    mockSts(200, callerIdentityXml(ALICE_SESSION));

    await expect(approve({ source: 'cli', principal: 'arn:aws:sts::123456789012:assumed-role/SecOps/ci-pipeline', verified: true })).rejects.toMatchObject({
      name: 'ApprovalRejected',
      message: `the requester cannot approve their own request (${SECOPS_ROLE} started this execution): treated as rejected; nothing was changed`,
    });
  });

  it('a claimed requester is nobody: its principal may approve', async () => {
    mockSts(200, callerIdentityXml(ALICE_SESSION));

    const record = await approve({ source: 'eventbridge', principal: ALICE_SESSION, claimed: true });

    expect(record).toMatchObject({ approver: ALICE_SESSION });
    expect(record).not.toHaveProperty('requester');
  });

  it('triage\'s children: the requester is the proven starter (triage\'s role), not the CloudTrail principal', async () => {
    mockSts(200, callerIdentityXml(ALICE_SESSION));

    const record = await approve({
      source: 'eventbridge', principal: ALICE_SESSION, principalFrom: 'cloudtrail', startedBy: 'arn:aws:sts::123456789012:assumed-role/TriageStartChild/x', verified: true,
    });

    expect(record.requester).toBe('arn:aws:sts::123456789012:assumed-role/TriageStartChild/x');
  });

  it.each([
    ['no proof', { identityProof: undefined }, undefined, /no valid identity proof \(no identity proof/],
    ['a proof STS refuses', {}, stsErrorXml('SignatureDoesNotMatch'), /no valid identity proof \(STS refused the identity proof \(SignatureDoesNotMatch\)/],
  ])('%s is a rejection (ApprovalRejected), never an approval on a claim', async (_, answer, sts, message) => {
    const fetch = mockSts(sts ? 403 : 200, sts ?? callerIdentityXml(ALICE_SESSION));

    await expect(approve(undefined, answer)).rejects.toMatchObject({ name: 'ApprovalRejected', message: expect.stringMatching(message) });
    expect(fetch).toHaveBeenCalledTimes(sts ? 1 : 0);
  });

  it('STS unavailable is thrown for the state\'s Retry, not taken as a rejection', async () => {
    mockSts(503, 'unavailable');

    await expect(approve()).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });
});
