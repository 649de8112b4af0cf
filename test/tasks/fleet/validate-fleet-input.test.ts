import { handler } from '../../../tasks/fleet/validate-fleet-input';

const EXECUTION = { name: 'fleet-account-20260101T100000Z', startTime: '2026-01-01T10:00:00Z' };
const run = (input: Record<string, unknown>) => handler({ input, execution: EXECUTION });

describe('validate-fleet-input', () => {
  it('accepts a tag selector with the child\'s own fields, and fills the defaults', async () => {
    const out = await run({ workflow: 'encrypt-volumes', selector: { tags: [{ key: 'team', values: ['payments'] }] }, childInput: { allowStop: true, strategy: 'direct' } });

    expect(out.request).toMatchObject({ mode: 'apply', toleratedFailurePercentage: 0, childInput: { allowStop: true, strategy: 'direct' } });
    expect(out.execution).toEqual(EXECUTION);
  });

  it.each([
    [{ workflow: 'high-cpu', selector: { instanceIds: ['i-0123456789abcdef0'] } }, 'workflow: must be one of encrypt-volumes, enable-flow-logs, enforce-imdsv2, restrict-security-groups'],
    [{ workflow: 'encrypt-volumes', selector: { tags: [] } }, 'selector'],
    [{ workflow: 'encrypt-volumes', selector: { manifest: 'https://example.com/x' } }, 'selector'],
    [{ workflow: 'encrypt-volumes', selector: { instanceIds: ['i-0123456789abcdef0'] }, maxConcurrency: 0 }, 'maxConcurrency'],
    [{ workflow: 'encrypt-volumes', selector: { instanceIds: ['i-0123456789abcdef0'] }, toleratedFailurePercentage: 101 }, 'toleratedFailurePercentage'],
    [{ workflow: 'encrypt-volumes', selector: { instanceIds: ['i-0123456789abcdef0'] }, childInput: { strategy: 'teleport' } }, 'childInput.strategy'],
    [{ workflow: 'encrypt-volumes', selector: { instanceIds: ['i-0123456789abcdef0'] }, childInput: { instanceId: 'i-0123456789abcdef0' } }, 'childInput: instanceId set by the fleet'],
    [{ workflow: 'enable-flow-logs', selector: { vpcIds: ['vpc-0123456789abcdef0'] }, childInput: { destination: 's3', mode: 'plan' } }, 'childInput: mode set by the fleet'],
    [{ workflow: 'enable-flow-logs', selector: { instanceIds: ['i-0123456789abcdef0'] }, childInput: { destination: 's3' } }, 'selector.instanceIds: enable-flow-logs runs per vpc, not per instance'],
    [{ workflow: 'enable-flow-logs', selector: { vpcIds: ['vpc-0123456789abcdef0'] } }, 'childInput.destination'],
  ])('refuses %j naming %s, before anything is read', async (input, field) => {
    await expect(run(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(field) });
  });
});
