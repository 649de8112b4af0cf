/**
 * EventBridge event-pattern matching, following the documented rules for the forms this
 * project uses: a list of values matches if any matches; an object matches if every
 * field matches; an event field holding an array matches if any element matches;
 * `{prefix}`, `{suffix}`, `{wildcard}` (`*` any characters, `\\*` a literal star), `{exists}` and `{anything-but}` filters. (moto's TestEventPattern returns
 * nothing, and its rule engine does not look inside arrays of objects.)
 */
import type { EventPattern, PatternValue } from '../workflows/lib/event-pattern';


export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([field, rule]) => {
    const value = (event as Record<string, unknown>)[field];
    if (Array.isArray(rule)) return matchesValues(rule, value);
    if (Array.isArray(value)) return value.some((item) => matchesPattern(rule, item));
    return matchesPattern(rule, value);
  });
}

function matchesValues(rules: PatternValue[], value: unknown): boolean {
  const candidates = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object') {
      if ('exists' in rule) return rule.exists === (value !== undefined);
      if (value === undefined) return false;
      if (rule.prefix !== undefined) return candidates.some((c) => typeof c === 'string' && c.startsWith(rule.prefix as string));
      if (rule.suffix !== undefined) return candidates.some((c) => typeof c === 'string' && c.endsWith(rule.suffix as string));
      if (rule.wildcard !== undefined) {
        const matcher = wildcardRegExp(rule.wildcard);
        return candidates.some((c) => typeof c === 'string' && matcher.test(c));
      }
      if ('anything-but' in rule) {
        const excluded = Array.isArray(rule['anything-but']) ? rule['anything-but'] : [rule['anything-but']];
        return candidates.every((c) => !excluded.includes(c));
      }
      return false;
    }
    return candidates.some((c) => c === rule);
  });
}

/** EventBridge wildcard: `*` matches any run of characters, `\\*` a literal star; everything else is literal. */
function wildcardRegExp(wildcard: string): RegExp {
  const parts = wildcard.split(/(\\\*|\*)/).map((part) => {
    if (part === '*') return '.*';
    if (part === '\\*') return '\\*';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('')}$`, 's');
}
