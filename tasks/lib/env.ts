import * as z from 'zod/mini';

/** A variable the stack always sets: present and not empty. */
export const requiredString = z.string().check(z.minLength(1, 'is not set'));

/** A comma-separated list (absent or empty: none). */
export const commaList = z.pipe(z._default(z.string(), ''), z.transform((v: string) => v.split(',').map((x) => x.trim()).filter(Boolean)));

/** A JSON value (absent: `fallback`); malformed JSON fails the function's init. */
export const jsonValue = <T>(fallback: T) => z.pipe(z.optional(z.string()), z.transform((v: string | undefined, ctx) => {
  if (v === undefined) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    ctx.issues.push({ code: 'custom', message: 'is not JSON', input: v });
    return z.NEVER;
  }
}));

/**
 * Reads the environment variables a handler needs, once, at module load, checked by a zod shape:
 * a function deployed without one (or with a malformed one) fails its init loudly, naming the
 * variable, instead of half-way through a remediation.
 */
export function readEnv<T extends Record<string, z.ZodMiniType>>(shape: T, env: NodeJS.ProcessEnv = process.env): z.output<z.ZodMiniObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return issue.code === 'invalid_type' && issue.input === undefined ? `${name} is not set` : `${name} ${issue.message}`;
  });
  throw new Error(`environment variable ${problems.join('; ')}: the stack passes it to this function`);
}
