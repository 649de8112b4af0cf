import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance, describeVolumes } from '../lib/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { Strategy } from './lib/schema';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface VerifySwapEvent {
  instanceId: string;
  kmsKeyArn: string;
  strategy: Strategy;
  volumes: VolumeWork[];
}

export interface BlockComparison {
  volumeId: string;
  status: 'matched' | 'skipped';
  /** full: every written block of the final pair; changed: the changes since the pre-copy pair (compared in full before the stop). */
  method?: 'full' | 'changed';
  blocks?: number;
  reason?: string;
}

export interface Verification {
  verifiedAt: string;
  devices: { device: string; volumeId: string; encrypted: boolean; kmsKeyId: string }[];
  blockComparisons: BlockComparison[];
}

/** Re-reads the instance and its new volumes; any difference from the plan fails the run into rollback. */
export const handler = async (event: VerifySwapEvent): Promise<Verification> => {
  const instance = await describeInstance(ec2, event.instanceId);
  const newIds = event.volumes.map((v) => v.newVolumeId ?? '');
  const found = new Map((await describeVolumes(ec2, newIds)).map((v) => [v.VolumeId, v]));
  const problems: string[] = [];
  const devices: Verification['devices'] = [];
  for (const planned of event.volumes) {
    const mapping = instance.BlockDeviceMappings?.find((m) => m.DeviceName === planned.device);
    const actual = found.get(planned.newVolumeId);
    const at = `${planned.device}`;
    if (mapping?.Ebs?.VolumeId !== planned.newVolumeId || !actual) {
      problems.push(`${at} holds ${mapping?.Ebs?.VolumeId ?? 'nothing'}, expected ${planned.newVolumeId}`);
      continue;
    }
    const expected: [string, unknown, unknown][] = [
      ['encrypted', actual.Encrypted, true],
      ['kmsKeyId', actual.KmsKeyId, event.kmsKeyArn],
      ['size', actual.Size, planned.sizeGiB],
      ['type', actual.VolumeType, planned.volumeType],
      ['multiAttach', actual.MultiAttachEnabled ?? false, planned.multiAttachEnabled],
      ['deleteOnTermination', mapping?.Ebs?.DeleteOnTermination ?? false, planned.deleteOnTermination],
    ];
    if (planned.iops !== undefined) expected.push(['iops', actual.Iops, planned.iops]);
    if (planned.throughput !== undefined) expected.push(['throughput', actual.Throughput, planned.throughput]);
    for (const [name, got, want] of expected) {
      if (got !== want) problems.push(`${at} ${name} is ${String(got)}, expected ${String(want)}`);
    }
    devices.push({ device: planned.device, volumeId: planned.newVolumeId as string, encrypted: true, kmsKeyId: event.kmsKeyArn });
  }
  const blockComparisons = problems.length ? [] : event.volumes.map(recordedComparison);
  if (problems.length > 0) throw new VerificationFailedError(`verification failed: ${problems.join('; ')}`);
  logger.info('swap verified', { devices: devices.length });
  return { verifiedAt: new Date().toISOString(), devices, blockComparisons };
};

/**
 * The block comparison itself ran before the new volumes were made (CompareFinalBlocks, tasks/ebs/compare-blocks.ts,
 * in pages across invocations, no longer inside this one task's timeout); a mismatch failed the run there.
 */
function recordedComparison(v: VolumeWork): BlockComparison {
  if (v.finalBlocks?.status === 'matched') return { volumeId: v.volumeId, status: 'matched', method: v.finalBlocks.method, blocks: v.finalBlocks.blocks, ...(v.finalBlocks.reason ? { reason: v.finalBlocks.reason } : {}) };
  if (v.finalBlocks?.status === 'skipped') return { volumeId: v.volumeId, status: 'skipped', reason: v.finalBlocks.reason ?? 'EBS direct API unavailable' };
  return { volumeId: v.volumeId, status: 'skipped', reason: v.finalCopyId ? 'no block comparison recorded' : 'direct strategy: no encrypted snapshot copy to compare' };
}
