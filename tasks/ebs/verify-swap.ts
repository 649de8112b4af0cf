import { ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { createEbsClient } from '../lib/clients/ebs';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance, describeVolumes } from '../lib/ec2';
import { VerificationFailedError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { Strategy } from './lib/schema';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();
const ebs = createEbsClient();
const UNAVAILABLE = new Set(['AccessDeniedException', 'ValidationException', 'UnsupportedOperationException']);

export interface VerifySwapEvent {
  instanceId: string;
  kmsKeyArn: string;
  strategy: Strategy;
  volumes: VolumeWork[];
}

export interface BlockComparison {
  volumeId: string;
  status: 'matched' | 'skipped';
  sourceBlocks?: number;
  copyBlocks?: number;
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
  const blockComparisons = problems.length ? [] : await compareBlocks(event, problems);
  if (problems.length > 0) throw new VerificationFailedError(`verification failed: ${problems.join('; ')}`);
  logger.info('swap verified', { devices: devices.length });
  return { verifiedAt: new Date().toISOString(), devices, blockComparisons };
};

async function compareBlocks(event: VerifySwapEvent, problems: string[]): Promise<BlockComparison[]> {
  const results: BlockComparison[] = [];
  for (const v of event.volumes) {
    if (event.strategy !== 'copy' || !v.finalSnapshotId || !v.finalCopyId) {
      results.push({ volumeId: v.volumeId, status: 'skipped', reason: 'direct strategy: no encrypted snapshot copy to compare' });
      continue;
    }
    try {
      const sourceBlocks = await countBlocks(v.finalSnapshotId);
      const copyBlocks = await countBlocks(v.finalCopyId);
      if (sourceBlocks !== copyBlocks) {
        problems.push(`${v.device} encrypted copy has ${copyBlocks} written blocks, source snapshot ${sourceBlocks}`);
      }
      results.push({ volumeId: v.volumeId, status: 'matched', sourceBlocks, copyBlocks });
    } catch (error) {
      if (!UNAVAILABLE.has(awsErrorName(error) ?? '')) throw error;
      results.push({ volumeId: v.volumeId, status: 'skipped', reason: `EBS direct API unavailable: ${(error as Error).message}` });
    }
  }
  return results;
}

async function countBlocks(snapshotId: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken: token, MaxResults: 10000 }));
    count += page.Blocks?.length ?? 0;
    token = page.NextToken;
  } while (token);
  return count;
}
