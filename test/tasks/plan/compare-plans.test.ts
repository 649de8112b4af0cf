import { handler, MAX_LISTED } from '../../../tasks/plan/compare-plans';
import { canonical, isVolatileKey, planDifferences } from '../../../tasks/plan/lib/plan-diff';
import { PlanChangedError } from '../../../tasks/lib/errors';
import { NOW, freezeTime } from '../fixtures';

const plan = (overrides: Record<string, unknown> = {}) => ({
  instance: { instanceId: 'i-0123456789abcdef0', state: 'stopped', wasRunning: false },
  volumes: [{ volumeId: 'vol-1', device: '/dev/sdf', tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }, { volumeId: 'vol-2', device: '/dev/sdg', tags: [] }],
  needsStop: false,
  outcome: 'PROCEED',
  checkedAt: '2026-03-01T00:00:00.000Z',
  ...overrides,
});

beforeEach(() => freezeTime(NOW));
afterEach(() => jest.useRealTimers());

describe('plan-diff', () => {
  it('treats timestamps as volatile, and nothing else', () => {
    expect(['at', 'time', 'timestamp', 'checkedAt', 'startedAt'].filter(isVolatileKey)).toEqual(['at', 'time', 'timestamp', 'checkedAt', 'startedAt']);
    expect(['state', 'data', 'format', 'volumeId', 'kmsKeyArn'].filter(isVolatileKey)).toEqual([]);
  });

  it('canonical form: volatile keys dropped, keys sorted, lists in a fixed order', () => {
    expect(JSON.stringify(canonical({ b: [{ z: 1, at: 'x' }, 'a'], a: 1, checkedAt: 'y' }))).toBe('{"a":1,"b":["a",{"z":1}]}');
  });

  it('finds no difference between two reads of an unchanged account (other timestamps, other list order)', () => {
    const again = plan({ checkedAt: '2026-03-02T00:00:00.000Z', volumes: [...plan().volumes].reverse() });

    expect(planDifferences(plan(), again)).toEqual([]);
  });

  it('names each changed field with the approved and the current value', () => {
    const now = plan({ instance: { instanceId: 'i-0123456789abcdef0', state: 'running', wasRunning: true }, needsStop: true, kmsKeyArn: 'arn:k' });

    expect(planDifferences(plan(), now)).toEqual([
      'instance.state: "stopped" -> "running"', 'instance.wasRunning: false -> true', 'kmsKeyArn: absent -> "arn:k"', 'needsStop: false -> true',
    ]);
  });

  it('names a list whose length changed as a whole, and a changed element by its position', () => {
    const [first] = plan().volumes;
    expect(planDifferences(plan(), plan({ volumes: [first] }))).toEqual([
      `volumes: ${JSON.stringify(canonical(plan().volumes))} -> ${JSON.stringify(canonical([first]))}`,
    ]);
    expect(planDifferences({ ids: ['a', 'b'] }, { ids: ['a', 'c'] })).toEqual(['ids[1]: "b" -> "c"']);
    expect(planDifferences({ outcome: 'PROCEED' }, 'NO_ACTION')).toEqual(['(plan): {"outcome":"PROCEED"} -> "NO_ACTION"']);
  });
});

describe('compare-plans', () => {
  it('answers unchanged for the same plan read again', async () => {
    await expect(handler({ approved: plan(), current: plan({ checkedAt: 'later' }) })).resolves.toEqual({ unchanged: true, comparedAt: NOW.toISOString() });
  });

  it('throws PlanChangedError listing the differences, saying nothing was changed', async () => {
    const result = handler({ approved: plan(), current: plan({ outcome: 'NO_ACTION' }) });

    await expect(result).rejects.toBeInstanceOf(PlanChangedError);
    await expect(result).rejects.toMatchObject({
      name: 'PlanChangedError',
      message: 'the plan changed while waiting for approval (approved -> now): outcome: "PROCEED" -> "NO_ACTION"; nothing was changed; start a new run to approve the current plan',
    });
  });

  it(`lists at most ${MAX_LISTED} differences and counts the rest`, async () => {
    const keys = Array.from({ length: MAX_LISTED + 2 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const approved = Object.fromEntries(keys.map((k) => [k, 1]));
    const current = Object.fromEntries(keys.map((k) => [k, 2]));

    const error = await handler({ approved, current }).catch((e: unknown) => e as Error);

    expect((error as Error).message).toBe(`the plan changed while waiting for approval (approved -> now): ${keys.slice(0, MAX_LISTED).map((k) => `${k}: 1 -> 2`).join('; ')}; and 2 more; nothing was changed; start a new run to approve the current plan`);
  });
});
