import { handler } from '../../../tasks/network/validate-investigate-input';
import { ENI, EXECUTION, INSTANCE } from './investigate-fixtures';

const validate = (input: unknown) => handler({ input, execution: EXECUTION });

describe('validate-investigate-input', () => {
  it('fills the defaults', async () => {
    expect((await validate({ instanceId: INSTANCE })).request).toEqual({
      instanceId: INSTANCE, maxRecords: 100_000, top: 20, block: false, mode: 'apply', trigger: { source: 'console', claimed: true },
    });
  });

  it.each([
    [{}, 'give exactly one of instanceId or eniIds'],
    [{ instanceId: INSTANCE, eniIds: [ENI] }, 'give exactly one of instanceId or eniIds'],
    [{ eniIds: ['eni-nope'] }, 'eni-0123456789abcdef0'],
    [{ instanceId: INSTANCE, block: true }, 'block: true needs blockCidrs'],
    [{ instanceId: INSTANCE, blockCidrs: ['203.0.113.5/32'] }, 'blockCidrs is only read with block: true'],
    [{ instanceId: INSTANCE, block: true, blockCidrs: ['203.0.113.5'] }, 'IPv4 or IPv6 CIDR'],
    [{ instanceId: INSTANCE, from: '2026-03-01T12:00:00Z', to: '2026-03-01T11:00:00Z' }, 'from must be before to'],
    [{ instanceId: INSTANCE, from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }, 'at most 168 hours'],
    [{ instanceId: INSTANCE, maxRecords: 0 }, 'maxRecords'],
  ])('refuses %j with InvalidInputError (%s)', async (input, message) => {
    await expect(validate(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
  });

  it('accepts IPv6 CIDRs to block', async () => {
    expect((await validate({ eniIds: [ENI], block: true, blockCidrs: ['2001:db8::/64', '203.0.113.0/24'] })).request.blockCidrs).toEqual(['2001:db8::/64', '203.0.113.0/24']);
  });
});
