import { createHash } from 'node:crypto';
import type { EC2Client, Snapshot, Volume, VolumeType } from '@aws-sdk/client-ec2';
import { findSnapshots, findVolumes } from '../../lib/ec2';
import { retainDaysFromEnv } from '../../lib/retention';
import { TAG } from '../../lib/tags';
import type { ResourceTag } from '../../lib/types';
import { WORKFLOW } from '../../lib/workflow-names';
import type { VolumeWork } from './types';

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

/** The phase tag of a replacement volume, whichever call made it (CreateVolume or CopyVolumes). */
export const REPLACEMENT_PHASE = 'replacement';

/** The ClientToken of one execution's replacement of one volume (at most 64 characters, as EC2 takes). */
export function replacementToken(executionName: string, volumeId: string): string {
  return createHash('sha256').update(`${executionName}/${volumeId}`).digest('hex').slice(0, 64);
}

/**
 * The replacement's tags: the source's own copyable tags plus ours, and the lock tag too: the swap (and
 * its undo) may attach only what the lock holds; ReleaseLock removes it.
 */
export function replacementTags(volume: VolumeWork, executionName: string): ResourceTag[] {
  return [...createdResourceTags(volume.tags, executionName, REPLACEMENT_PHASE, volume.volumeId), { Key: TAG.lock, Value: executionName }];
}

/** The replacement an earlier attempt of this execution already made for this volume, if usable. */
export async function findReplacement(ec2: EC2Client, executionName: string, volumeId: string): Promise<Volume | undefined> {
  return (await findVolumes(ec2, createdByFilters(executionName, REPLACEMENT_PHASE, volumeId))).find(
    (v) => v.State !== 'error' && v.State !== 'deleting' && v.State !== 'deleted',
  );
}

/**
 * What every replacement of `volume` is made with, whichever call makes it (CreateVolume, CopyVolumes): the original's
 * type, size, multi-attach, IOPS and throughput as the plan read them (both APIs default to gp2), encrypted with the
 * key, idempotent by ClientToken, tagged as ours plus the source's own tags.
 */
export function replacementRequest(volume: VolumeWork, executionName: string, kmsKeyArn: string) {
  return {
    VolumeType: volume.volumeType as VolumeType,
    Size: volume.sizeGiB,
    MultiAttachEnabled: volume.multiAttachEnabled,
    Encrypted: true,
    KmsKeyId: kmsKeyArn,
    ClientToken: replacementToken(executionName, volume.volumeId),
    TagSpecifications: [{ ResourceType: 'volume' as const, Tags: replacementTags(volume, executionName) }],
    ...(volume.iops !== undefined ? { Iops: volume.iops } : {}),
    ...(volume.throughput !== undefined ? { Throughput: volume.throughput } : {}),
  };
}
