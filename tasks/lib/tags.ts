import type { Tag } from '@aws-sdk/client-ec2';
import type { ResourceTag } from './types';

export const TAG = {
  workflow: 'remediation:workflow',
  execution: 'remediation:execution',
  phase: 'remediation:phase',
  sourceVolume: 'remediation:source-volume',
  replacedBy: 'remediation:replaced-by',
  /** On an original volume: `<instance id>:<device>` where its replacement was attached (expire-retained checks it is still there). */
  replacedOn: 'remediation:replaced-on',
  retainUntil: 'remediation:retain-until',
  rolledBack: 'remediation:rolled-back',
  exclude: 'remediation:exclude',
  lock: 'remediation:lock',
  /** `true`: an operator keeps it whatever its retain-until says (expire-retained skips it; its role is denied). */
  hold: 'remediation:hold',
  /** On a forensic snapshot: the case it belongs to (isolate-instance). */
  case: 'remediation:case',
  /** On an instance while isolate-instance holds it isolated: the case id (release removes it; close-case refuses while it is there). */
  isolated: 'remediation:isolated',
  /** On a forensic snapshot: when its case was closed (ISO time, close-case); expire-retained deletes it only with this tag. */
  caseClosed: 'remediation:case-closed',
  /** On an instance whose authorized_keys rotate-key-pair rotated: the id of the key pair it replaced (its KeyName still names it). */
  keyRotated: 'remediation:key-rotated',
} as const;

/**
 * What the swap sets on an original volume it retains, and a rollback removes again. The workflow tag marks it
 * as kept by encrypt-volumes: expire-retained's role may delete only volumes that carry it.
 */
export const ORIGINAL_RETENTION_KEYS = [TAG.replacedBy, TAG.retainUntil, TAG.replacedOn, TAG.workflow] as const;

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

/** Tagged `remediation:exclude=true` (any letter case): never changed by a remediation. */
export const isExcluded = (tags: readonly Tag[] | undefined): boolean => tagValue(tags, TAG.exclude)?.toLowerCase() === 'true';
