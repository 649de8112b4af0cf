import { proveTrigger, provenRequester } from '../../../tasks/lib/identity/trigger';
import { ALICE_SESSION, EXECUTION_ARN, callerIdentityXml, inRegion, mockSts, proofFor, stsErrorXml } from './identity-fixtures';

beforeEach(() => inRegion());
afterEach(() => jest.restoreAllMocks());

describe('proveTrigger', () => {
  it('without a proof the trigger is kept as given and marked claimed; it names no requester', async () => {
    const trigger = await proveTrigger({ source: 'eventbridge', principal: 'arn:aws:iam::123456789012:role/ciso' }, EXECUTION_ARN);

    expect(trigger).toEqual({ source: 'eventbridge', principal: 'arn:aws:iam::123456789012:role/ciso', claimed: true });
    expect(provenRequester(trigger)).toBeUndefined();
  });

  it('a valid start proof makes the signer the principal, verified, whatever the input claimed', async () => {
    const fetch = mockSts(200, callerIdentityXml(ALICE_SESSION));

    const trigger = await proveTrigger({ source: 'cli', principal: 'arn:aws:iam::123456789012:role/ciso', proof: await proofFor('start') }, EXECUTION_ARN);

    expect(trigger).toEqual({ source: 'cli', principal: ALICE_SESSION, verified: true });
    expect(provenRequester(trigger)).toBe(ALICE_SESSION);
    expect((fetch.mock.calls[0]?.[1] as RequestInit).headers).toMatchObject({ 'x-remediation-binding': `start:${EXECUTION_ARN}` });
  });

  it('an EventBridge trigger keeps the CloudTrail principal and records the proven starter', async () => {
    mockSts(200, callerIdentityXml('arn:aws:sts::123456789012:assumed-role/TriageStartChild/x'));

    const trigger = await proveTrigger({ source: 'eventbridge', principal: ALICE_SESSION, eventId: 'e-1', proof: await proofFor('start') }, EXECUTION_ARN);

    expect(trigger).toEqual({
      source: 'eventbridge', principal: ALICE_SESSION, eventId: 'e-1', principalFrom: 'cloudtrail', startedBy: 'arn:aws:sts::123456789012:assumed-role/TriageStartChild/x', verified: true,
    });
  });

  it('a proof that proves nothing leaves the trigger claimed, with why', async () => {
    mockSts(403, stsErrorXml('SignatureDoesNotMatch'));

    const trigger = await proveTrigger({ source: 'cli', proof: await proofFor('start') }, EXECUTION_ARN);

    expect(trigger).toEqual({ source: 'cli', claimed: true, unverified: expect.stringContaining('SignatureDoesNotMatch') });
  });

  it('STS unavailable is thrown (the state retries), and without the execution ARN nothing can be proven', async () => {
    mockSts(503, 'unavailable');

    await expect(proveTrigger({ source: 'cli', proof: await proofFor('start') }, EXECUTION_ARN)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(await proveTrigger({ source: 'cli', proof: await proofFor('start') }, undefined)).toEqual({ source: 'cli', claimed: true, unverified: 'the execution ARN is unknown' });
  });
});
