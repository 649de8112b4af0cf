import { blockSourceIpInputSchema, cidrProblem, unblockSourceIpInputSchema } from '../../../../tasks/network/lib/block-schema';
import { parseOrThrow } from '../../../../tasks/lib/validation';

const messageOf = (schema: Parameters<typeof parseOrThrow>[0], input: unknown) => { try { parseOrThrow(schema, input); return undefined; } catch (e) { return (e as Error).message; } };

describe('block-source-ip input', () => {
  it('fills the defaults: ingress, no eviction, no approval, apply, console', () => {
    expect(parseOrThrow(blockSourceIpInputSchema, { cidrs: ['203.0.113.7/32'], subnetIds: ['subnet-0123456789abcdef0'] })).toEqual({
      cidrs: ['203.0.113.7/32'], subnetIds: ['subnet-0123456789abcdef0'], direction: 'ingress', evictOldest: false, approval: false, mode: 'apply', trigger: { source: 'console' },
    });
  });

  it.each([
    [{ cidrs: ['203.0.113.7'], subnetIds: ['subnet-0123456789abcdef0'] }, 'cidrs.0: must be an IPv4 or IPv6 CIDR'],
    [{ cidrs: ['2001:db8::/129'], subnetIds: ['subnet-0123456789abcdef0'] }, 'cidrs.0'],
    [{ cidrs: ['203.0.113.7/32'] }, 'give exactly one of subnetIds or instanceId'],
    [{ cidrs: ['203.0.113.7/32'], instanceId: 'i-0123456789abcdef0', durationMinutes: 5, expiresAt: '2026-12-31T00:00:00Z' }, 'give expiresAt or durationMinutes, not both'],
    [{ cidrs: ['203.0.113.7/32', '203.0.113.7/32'], instanceId: 'i-0123456789abcdef0' }, 'must not repeat a CIDR'],
    [{ cidrs: ['203.0.113.7/32'], instanceId: 'i-0123456789abcdef0', durationMinutes: 600_000 }, 'durationMinutes'],
  ])('refuses %j naming the problem', (input, message) => {
    expect(messageOf(blockSourceIpInputSchema, input)).toContain(message);
  });

  it('knows IPv4 and IPv6 CIDRs', () => {
    expect([cidrProblem('10.0.0.0/8'), cidrProblem('::/0'), cidrProblem('2001:db8::1/128')]).toEqual([undefined, undefined, undefined]);
    expect([cidrProblem('10.0.0.0/33'), cidrProblem('10.0.0.256/32'), cidrProblem('x/1')].every((p) => typeof p === 'string')).toBe(true);
  });
});

describe('unblock-source-ip input', () => {
  it('takes a block execution, or cidrs with naclIds', () => {
    expect(parseOrThrow(unblockSourceIpInputSchema, { blockExecution: 'block-source-ip-account-20261127T112615Z' })).toMatchObject({ onlyExpired: false, mode: 'apply' });
    expect(messageOf(unblockSourceIpInputSchema, { cidrs: ['203.0.113.7/32'] })).toContain('cidrs and naclIds go together');
    expect(messageOf(unblockSourceIpInputSchema, { blockExecution: 'b', cidrs: ['203.0.113.7/32'], naclIds: ['acl-0123456789abcdef0'] })).toContain('give blockExecution, or cidrs and naclIds');
  });
});
