import { MAX_EXECUTION_NAME_LENGTH, STATE_MACHINE_PREFIX, childExecutionName, executionName, executionTarget, stateMachineName } from '../../../tasks/lib/names';

const AT = new Date('2026-01-02T03:04:05.678Z');

describe('executionName', () => {
  it('is <workflow>-<target>-<UTC yyyymmddThhmmssZ> for the first execution of a second', () => {
    expect(executionName('encrypt-volumes', 'i-0abc', AT)).toBe('encrypt-volumes-i-0abc-20260102T030405Z');
  });

  it.each([
    ['2026-01-02T03:04:05.678Z'],
    ['2026-01-02T03:04:05.6Z'],
    ['2026-01-02T03:04:05.678901Z'],
    ['2026-01-02T03:04:05Z'],
  ])('reads the Step Functions start time %s as the same second as a Date', (startTime) => {
    expect(executionName('encrypt-volumes', 'i-0abc', startTime)).toBe(executionName('encrypt-volumes', 'i-0abc', AT));
  });

  it('numbers later executions of the same second, so none is refused as a name used before', () => {
    const names = [1, 2, 3, 10].map((sequence) => executionName('enable-config', 'account', AT, sequence));

    expect(names).toEqual([
      'enable-config-account-20260102T030405Z',
      'enable-config-account-20260102T030405Z-2',
      'enable-config-account-20260102T030405Z-3',
      'enable-config-account-20260102T030405Z-10',
    ]);
  });

  it('keeps every name within 80 allowed characters, the sequence number included', () => {
    const target = `i-${'a'.repeat(100)}`;

    const first = executionName('encrypt-volumes', target, AT);
    const later = executionName('encrypt-volumes', target, AT, 12);

    expect(first).toBe(`encrypt-volumes-i-${'a'.repeat(62)}`);
    expect(later).toBe(`encrypt-volumes-i-${'a'.repeat(59)}-12`);
    expect(later).toHaveLength(MAX_EXECUTION_NAME_LENGTH);
    expect(new Set([first, later]).size).toBe(2);
    for (const name of [first, later]) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('stateMachineName', () => {
  it('prefixes the workflow with the prefix the audit strips', () => {
    expect(stateMachineName('encrypt-volumes')).toBe('remediation-encrypt-volumes');
    expect(stateMachineName('encrypt-volumes').slice(STATE_MACHINE_PREFIX.length)).toBe('encrypt-volumes');
  });
});

describe('childExecutionName', () => {
  it('replaces the parent\'s workflow in its name: the same parent always names the same child', () => {
    expect(childExecutionName('investigate-traffic', 'block-source-ip', 'investigate-traffic-i-0aaaaaaaaaaaaaaa1-20260301T120000Z'))
      .toBe('block-source-ip-i-0aaaaaaaaaaaaaaa1-20260301T120000Z');
  });

  it('prefixes a parent named by hand, cutting to 80 characters with a digest that keeps two long names apart', () => {
    const a = childExecutionName('investigate-traffic', 'block-source-ip', `manual-${'a'.repeat(70)}-1`);
    const b = childExecutionName('investigate-traffic', 'block-source-ip', `manual-${'a'.repeat(70)}-2`);

    expect(childExecutionName('investigate-traffic', 'block-source-ip', 'manual-run')).toBe('block-source-ip-manual-run');
    expect([a.length, b.length]).toEqual([MAX_EXECUTION_NAME_LENGTH, MAX_EXECUTION_NAME_LENGTH]);
    expect(a).not.toBe(b);
    for (const name of [a, b]) expect(name).toMatch(/^block-source-ip-manual-a+-[0-9a-f]{8}$/);
  });
});

describe('executionTarget', () => {
  it.each([
    ['the instance', { instanceId: 'i-0abc', eniIds: ['eni-0abc'] }, 'i-0abc'],
    ['the first network interface (investigate-traffic with eniIds)', { eniIds: ['eni-0first', 'eni-0second'] }, 'eni-0first'],
    ['the event triage handles', { detail: { eventID: 'e0a1b2c3' } }, 'e0a1b2c3'],
    ['the account, with none of these', { vpcId: 'vpc-0abc' }, 'account'],
    ['the account, for an empty eniIds', { eniIds: [] }, 'account'],
    ['the account, for a target that is not text', { instanceId: 42 }, 'account'],
  ])('names an execution for %s', (_what, input, target) => {
    expect(executionTarget(input)).toBe(target);
  });
});
