import type * as z from 'zod/mini';
import { InvalidInputError } from './errors';

/** Parses with a zod schema; a failure names every offending field. */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(input)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
  throw new InvalidInputError(`invalid input: ${problems.join('; ')}`);
}
