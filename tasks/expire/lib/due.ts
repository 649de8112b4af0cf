import type { Tag } from '@aws-sdk/client-ec2';
import { TAG, tagValue } from '../../lib/tags';

/**
 * Whether a `remediation:retain-until` has passed at `now`. The remediations write a UTC date (yyyy-mm-dd),
 * kept through the whole of that day; a full ISO timestamp (a person's) passes at that instant.
 * Undefined: not a date at all (the resource is refused, never guessed at).
 */
export function retentionPassed(retainUntil: string, now: Date): boolean | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(retainUntil);
  const at = Date.parse(dateOnly ? `${retainUntil}T00:00:00.000Z` : retainUntil);
  if (Number.isNaN(at) || (!dateOnly && !/^\d{4}-\d{2}-\d{2}T/.test(retainUntil))) return undefined;
  return now.getTime() >= (dateOnly ? at + 86_400_000 : at);
}

const isTrue = (tags: Tag[] | undefined, key: string): boolean => tagValue(tags, key)?.toLowerCase() === 'true';

/** What refuses any retained resource whatever it is: an operator's hold or exclusion, another remediation's lock, not ours. */
export function commonRefusal(tags: Tag[] | undefined): string | undefined {
  if (isTrue(tags, TAG.hold)) return `tagged ${TAG.hold}=true: kept until a person removes the hold`;
  if (isTrue(tags, TAG.exclude)) return `tagged ${TAG.exclude}=true`;
  const lock = tagValue(tags, TAG.lock);
  if (lock) return `held by the remediation ${lock} (${TAG.lock})`;
  if (!tagValue(tags, TAG.workflow)) return `carries no ${TAG.workflow} tag: not kept by a remediation, so not for this workflow to delete`;
  return undefined;
}
