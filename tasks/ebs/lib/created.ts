import type { EC2Client, Snapshot } from '@aws-sdk/client-ec2';
import { findSnapshots } from '../../lib/ec2';
import { retainDaysFromEnv } from '../../lib/retention';
import { TAG } from '../../lib/tags';
import type { ResourceTag } from '../../lib/types';
import { WORKFLOW } from '../../lib/workflow-names';

/** Days an original volume (and what a rollback kept) is retained: the deployment's `retention.days`, read once at load. */
export const RETAIN_DAYS = retainDaysFromEnv();

export function remediationTags(executionName: string, extra: Record<string, string> = {}): ResourceTag[] {
  return [
    { Key: TAG.workflow, Value: WORKFLOW.encryptVolumes },
    { Key: TAG.execution, Value: executionName },
    ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
  ];
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

/** What one execution already made for one source volume in one phase (a retry's earlier attempt), if usable. */
export async function findCreatedSnapshot(ec2: EC2Client, executionName: string, phase: string, sourceVolumeId: string): Promise<Snapshot | undefined> {
  return (await findSnapshots(ec2, createdByFilters(executionName, phase, sourceVolumeId))).find((s) => s.State !== 'error');
}
