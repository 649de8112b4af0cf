import { handler } from '../../../tasks/ebs/validate-input';
import { InvalidInputError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, KEY_ARN, KEY_ID } from '../fixtures';
import { ALICE_SESSION, EXECUTION_ARN, callerIdentityXml, inRegion, mockSts, proofFor } from '../lib/identity-fixtures';

const execution = { name: 'exec-0001', startTime: '2026-03-01T12:00:00.000Z' };
const validate = (input: unknown) => handler({ input, execution });

async function rejection(input: unknown): Promise<Error> {
  const error = await validate(input).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected the input to be refused');
  return error;
}

describe('validate-input', () => {
  it('applies the defaults and passes the execution through', async () => {
    // Act
    const out = await validate({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toEqual({
      request: { instanceId: INSTANCE_ID, strategy: 'copy', allowStop: false, approval: false, mode: 'apply', trigger: { source: 'console', claimed: true } },
      execution,
    });
  });

  it('keeps every field given explicitly', async () => {
    // Prepare
    const input = {
      instanceId: INSTANCE_ID,
      kmsKeyId: KEY_ARN,
      volumeIds: ['vol-0aaaaaaaaaaaaaaa1', 'vol-0aaaaaaaaaaaaaaa2'],
      strategy: 'direct',
      allowStop: true,
      approval: true,
      mode: 'plan',
      trigger: { source: 'eventbridge', principal: 'arn:aws:iam::111122223333:role/x', eventId: 'ev-1' },
    };

    // Act
    const out = await validate(input);

    // Assess
    // Without an identity proof the trigger is kept as given, marked claimed (tasks/lib/identity/trigger.ts).
    expect(out.request).toEqual({ ...input, trigger: { ...input.trigger, claimed: true } });
  });

  it.each([
    ['a key id', KEY_ID],
    ['a multi-Region key id', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['a key ARN', KEY_ARN],
    ['an alias name', 'alias/ebs-remediation'],
    ['an alias ARN', 'arn:aws:kms:us-east-1:111122223333:alias/ebs-remediation'],
  ])('accepts %s as kmsKeyId', async (_kind, kmsKeyId) => {
    // Act
    const out = await validate({ instanceId: INSTANCE_ID, kmsKeyId });

    // Assess
    expect(out.request.kmsKeyId).toBe(kmsKeyId);
  });

  it('refuses a malformed instance id, naming instanceId', async () => {
    // Act
    const error = await rejection({ instanceId: 'i-123' });

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.name).toBe('InvalidInputError');
    expect(error.message).toBe('invalid input: instanceId: must look like i-0123456789abcdef0');
  });

  it('refuses a missing instance id as required', async () => {
    // Act
    const error = await rejection({ allowStop: true });

    // Assess
    expect(error.message).toBe('invalid input: instanceId: is required');
  });

  it('names an unknown field', async () => {
    // Act
    const error = await rejection({ instanceId: INSTANCE_ID, allowstop: true });

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe('invalid input: (input): unknown field(s) "allowstop"');
  });

  it('names an unknown field inside trigger', async () => {
    // Act
    const error = await rejection({ instanceId: INSTANCE_ID, trigger: { source: 'cli', user: 'me' } });

    // Assess
    expect(error.message).toBe('invalid input: trigger: unknown field(s) "user"');
  });

  it('names every field of the wrong type', async () => {
    // Act
    const error = await rejection({ instanceId: INSTANCE_ID, allowStop: 'yes', mode: 'dry-run', strategy: 3, volumeIds: 'vol-0aaaaaaaaaaaaaaa1' });

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    for (const field of ['allowStop', 'mode', 'strategy', 'volumeIds']) expect(error.message).toContain(`${field}: `);
  });

  it('refuses a repeated volume id', async () => {
    // Act
    const error = await rejection({ instanceId: INSTANCE_ID, volumeIds: ['vol-0aaaaaaaaaaaaaaa1', 'vol-0aaaaaaaaaaaaaaa1'] });

    // Assess
    expect(error.message).toBe('invalid input: volumeIds: must not repeat a volume');
  });

  it('refuses a malformed volume id and an empty volume list', async () => {
    // Act
    const malformed = await rejection({ instanceId: INSTANCE_ID, volumeIds: ['vol-xyz'] });
    const empty = await rejection({ instanceId: INSTANCE_ID, volumeIds: [] });

    // Assess
    expect(malformed.message).toBe('invalid input: volumeIds.0: must look like vol-0123456789abcdef0');
    expect(empty.message).toMatch(/^invalid input: volumeIds: /);
  });

  it.each([
    ['a key name without alias/', 'my-key'],
    ['an ARN of another service', 'arn:aws:iam::111122223333:role/x'],
  ])('refuses %s as kmsKeyId', async (_kind, kmsKeyId) => {
    // Act
    const error = await rejection({ instanceId: INSTANCE_ID, kmsKeyId });

    // Assess
    expect(error.message).toBe('invalid input: kmsKeyId: must be a KMS key id, key ARN, alias name (alias/...) or alias ARN');
  });

  it('refuses an unknown trigger source and an input that is not an object', async () => {
    // Act
    const badSource = await rejection({ instanceId: INSTANCE_ID, trigger: { source: 'email' } });
    const notObject = await rejection('i-0123456789abcdef0');

    // Assess
    expect(badSource.message).toMatch(/^invalid input: trigger\.source: /);
    expect(notObject).toBeInstanceOf(InvalidInputError);
    expect(notObject.message).toMatch(/^invalid input: \(input\): /);
  });

  it('verifies the trigger\'s identity proof against the execution\'s ARN: the signer is the principal', async () => {
    // Prepare
    inRegion();
    const fetch = mockSts(200, callerIdentityXml(ALICE_SESSION));
    const trigger = { source: 'cli', principal: 'arn:aws:iam::111122223333:role/ciso', proof: await proofFor('start') };

    // Act
    const out = await handler({ input: { instanceId: INSTANCE_ID, trigger }, execution: { ...execution, arn: EXECUTION_ARN } });

    // Assess
    expect(out.request.trigger).toEqual({ source: 'cli', principal: ALICE_SESSION, verified: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    fetch.mockRestore();
  });

  it('refuses a trigger that claims to be verified: only the proof makes it so', async () => {
    const error = await rejection({ instanceId: INSTANCE_ID, trigger: { source: 'cli', principal: 'arn:aws:iam::111122223333:role/ciso', verified: true } });

    expect(error.message).toBe('invalid input: trigger: unknown field(s) "verified"');
  });
});
