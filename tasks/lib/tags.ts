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
} as const;

export const WORKFLOW_ENCRYPT_VOLUMES = 'encrypt-volumes';

/** Days an original volume is kept after it was replaced. */
export const RETAIN_DAYS = 30;

/** The source's own tags, minus the ones AWS reserves and our own bookkeeping. */
export function copyableTags(tags: readonly Tag[] | undefined): ResourceTag[] {
  return (tags ?? [])
    .filter((t): t is ResourceTag => typeof t.Key === 'string' && typeof t.Value === 'string')
    .filter((t) => !t.Key.startsWith('aws:') && !t.Key.startsWith('remediation:'))
    .map((t) => ({ Key: t.Key, Value: t.Value }));
}

export function remediationTags(executionName: string, extra: Record<string, string> = {}): ResourceTag[] {
  return [
    { Key: TAG.workflow, Value: WORKFLOW_ENCRYPT_VOLUMES },
    { Key: TAG.execution, Value: executionName },
    ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
  ];
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** Filters that find what one execution created for one source volume in one phase. */
export function createdByFilters(executionName: string, phase: string, sourceVolumeId: string) {
  return [
    { Name: `tag:${TAG.execution}`, Values: [executionName] },
    { Name: `tag:${TAG.phase}`, Values: [phase] },
    { Name: `tag:${TAG.sourceVolume}`, Values: [sourceVolumeId] },
  ];
}

/** Tags for what this execution creates from a source volume: the source's own tags plus ours. */
export function createdResourceTags(sourceTags: ResourceTag[], executionName: string, phase: string, sourceVolumeId: string): ResourceTag[] {
  return [...sourceTags, ...remediationTags(executionName, { [TAG.phase]: phase, [TAG.sourceVolume]: sourceVolumeId })];
}
