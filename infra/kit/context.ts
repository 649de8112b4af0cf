import type { Node } from 'constructs';
import { DEFAULT_RETAIN_DAYS, retainDaysProblem } from '../../tasks/lib/retention';

/** A deployment setting (CDK context) that cannot work: synthesis stops with this message alone (infra/app.ts). */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * An object-valued CDK context key (`triage`, `approval`, `audit`, `encryptVolumes`), empty when unset.
 * cdk.json gives objects; `-c key=value` on the command line gives a string, parsed here as JSON, so
 * `-c 'approval={"subscribers":["secops@example.com"]}'` works as the messages say.
 */
export function contextObject<T extends object>(node: Node, key: string): Partial<T> {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigurationError(`CDK context ${key} must be a JSON object, got ${JSON.stringify(value)}`);
    }
    return objectOrFail(key, parsed) as Partial<T>;
  }
  return objectOrFail(key, value) as Partial<T>;
}

function objectOrFail(key: string, value: unknown): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigurationError(`CDK context ${key} must be a JSON object, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * CDK context `retention.days`: how long encrypt-volumes keeps the originals it replaced and what a rollback
 * kept, before expire-retained may delete them (default 30, as before it was configurable).
 */
export function retentionDays(node: Node): number {
  const { days } = contextObject<{ days: unknown }>(node, 'retention');
  if (days === undefined) return DEFAULT_RETAIN_DAYS;
  const problem = retainDaysProblem(days);
  if (problem) throw new ConfigurationError(`CDK context retention.days ${problem}`);
  return days as number;
}
