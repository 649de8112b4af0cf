/**
 * How long remediations keep what they replaced (encrypt-volumes' originals, what a rollback kept) before
 * expire-retained may delete it: CDK context `retention.days` (infra/kit/context.ts), handed to the
 * tagging tasks in their environment.
 */
export const DEFAULT_RETAIN_DAYS = 30;
/** Ten years: beyond that a date tag is more likely a typo than a policy. */
export const MAX_RETAIN_DAYS = 3650;
export const RETAIN_DAYS_ENV = 'RETAIN_DAYS';

/** Why `value` is no retention period, or undefined when it is one (a whole number of days, 1..MAX_RETAIN_DAYS). */
export function retainDaysProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RETAIN_DAYS) {
    return `must be a whole number of days from 1 to ${MAX_RETAIN_DAYS}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** The period a handler was deployed with (its environment), else the default; a bad value fails the handler's load. */
export function retainDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RETAIN_DAYS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_RETAIN_DAYS;
  const days = Number(raw);
  const problem = retainDaysProblem(days);
  if (problem) throw new Error(`${RETAIN_DAYS_ENV} ${problem}`);
  return days;
}

/** The `remediation:retain-until` value (a UTC date, yyyy-mm-dd) for something retained from `now`. */
export function retainUntil(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
