import { CopyVolumesCommand, type CopyVolumesCommandInput, type VolumeType } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { findReplacement, replacementTags, replacementToken } from './lib/created';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface CopyVolumeEvent {
  volume: VolumeWork;
  executionName: string;
  kmsKeyArn: string;
}

/**
 * The `volume-copy` strategy's replacement: an encrypted EC2 CopyVolumes of the stopped original, no snapshot.
 * CopyVolumes defaults to gp2 and copies no tags, so type, size, IOPS, throughput and multi-attach are passed
 * as the plan read them, and the tags are ours plus the source's own. Idempotent by tags and ClientToken.
 * CopyVolumesLimitExceeded (tasks/ebs/lib/volume-copy.ts) is left to the state machine, which queues on it.
 */
export const handler = async ({ volume, executionName, kmsKeyArn }: CopyVolumeEvent): Promise<VolumeWork> => {
  const existing = await findReplacement(ec2, executionName, volume.volumeId);
  if (existing?.VolumeId) {
    logger.info('volume copy already exists', { volumeId: existing.VolumeId });
    return { ...volume, newVolumeId: existing.VolumeId };
  }
  const input: CopyVolumesCommandInput = {
    SourceVolumeId: volume.volumeId,
    VolumeType: volume.volumeType as VolumeType,
    Size: volume.sizeGiB,
    MultiAttachEnabled: volume.multiAttachEnabled,
    Encrypted: true,
    KmsKeyId: kmsKeyArn,
    ClientToken: replacementToken(executionName, volume.volumeId),
    TagSpecifications: [{ ResourceType: 'volume', Tags: replacementTags(volume, executionName) }],
  };
  if (volume.iops !== undefined) input.Iops = volume.iops;
  if (volume.throughput !== undefined) input.Throughput = volume.throughput;
  const out = await ec2.send(new CopyVolumesCommand(input));
  const newVolumeId = out.Volumes?.[0]?.VolumeId;
  logger.info('volume copy requested', { volumeId: newVolumeId, from: volume.volumeId });
  return { ...volume, newVolumeId };
};
