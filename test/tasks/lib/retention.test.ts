import { DEFAULT_RETAIN_DAYS, retainDaysFromEnv, retainDaysProblem, retainUntil } from '../../../tasks/lib/retention';

describe('retention', () => {
  it('is the deployment\'s RETAIN_DAYS when set, else 30 days as before it was configurable', () => {
    expect(retainDaysFromEnv({ RETAIN_DAYS: '7' })).toBe(7);
    expect(retainDaysFromEnv({})).toBe(30);
    expect(retainDaysFromEnv({ RETAIN_DAYS: '' })).toBe(DEFAULT_RETAIN_DAYS);
  });

  it.each(['0', '-1', '1.5', 'thirty', '3651'])('refuses RETAIN_DAYS=%s at load, naming the variable', (value) => {
    expect(() => retainDaysFromEnv({ RETAIN_DAYS: value })).toThrow(/^RETAIN_DAYS must be a whole number of days from 1 to 3650/);
  });

  it.each([[1, undefined], [3650, undefined], [0, 'must be'], ['30', 'must be'], [null, 'must be']])('judges %p as a period: %p', (value, problem) => {
    expect(retainDaysProblem(value)?.slice(0, 7)).toBe(problem);
  });

  it('dates the retention in UTC, the given number of days on', () => {
    expect(retainUntil(new Date('2026-03-01T23:59:00.000Z'), 30)).toBe('2026-03-31');
    expect(retainUntil(new Date('2026-12-31T00:00:00.000Z'), 1)).toBe('2027-01-01');
  });
});
