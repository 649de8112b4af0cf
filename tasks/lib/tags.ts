import type { Tag } from '@aws-sdk/client-ec2';
import type { ResourceTag } from './types';

export const TAG = {
  workflow: 'remediation:workflow',
  execution: 'remediation:execution',
  phase: 'remediation:phase',
  sourceVolume: 'remediation:source-volume',
  replacedBy: 'remediation:replaced-by',
  retainUntil: 'remediation:retain-until',
  rolledBack: 'remediation:rolled-back',
  exclude: 'remediation:exclude',
  lock: 'remediation:lock',
} as const;

/** The source's own tags, minus the ones AWS reserves and our own bookkeeping. */
export function copyableTags(tags: readonly Tag[] | undefined): ResourceTag[] {
  return (tags ?? [])
    .filter((t): t is ResourceTag => typeof t.Key === 'string' && typeof t.Value === 'string')
    .filter((t) => !t.Key.startsWith('aws:') && !t.Key.startsWith('remediation:'))
    .map((t) => ({ Key: t.Key, Value: t.Value }));
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
