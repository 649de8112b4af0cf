import { commaList, jsonValue, readEnv, requiredString } from '../../../tasks/lib/env';

describe('readEnv', () => {
  it('returns the variables the shape names, parsed', () => {
    // GIVEN an environment as the stack sets it
    const env = { BUCKET: 'b', ROLES: 'arn:a, arn:b,,', POLICY: '{"encrypt-volumes":"auto"}', OTHER: 'ignored' };

    // WHEN it is read
    const read = readEnv({ BUCKET: requiredString, ROLES: commaList, POLICY: jsonValue<Record<string, string>>({}) }, env);

    // THEN each is what the handler needs, and nothing else
    expect(read).toEqual({ BUCKET: 'b', ROLES: ['arn:a', 'arn:b'], POLICY: { 'encrypt-volumes': 'auto' } });
  });

  it('uses the defaults of optional variables', () => {
    expect(readEnv({ ROLES: commaList, POLICY: jsonValue({ fallback: true }) }, {})).toEqual({ ROLES: [], POLICY: { fallback: true } });
  });

  it('names every missing or empty required variable', () => {
    expect(() => readEnv({ BUCKET: requiredString, TOPIC: requiredString }, { TOPIC: '' }))
      .toThrow('environment variable BUCKET is not set; TOPIC is not set: the stack passes it to this function');
  });

  it('refuses malformed JSON', () => {
    expect(() => readEnv({ POLICY: jsonValue({}) }, { POLICY: '{not json' })).toThrow('environment variable POLICY is not JSON');
  });
});
