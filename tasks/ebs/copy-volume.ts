import { CopyVolumesCommand, type CopyVolumesCommandInput } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { findReplacement, replacementRequest } from './lib/created';
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
  const input: CopyVolumesCommandInput = { SourceVolumeId: volume.volumeId, ...replacementRequest(volume, executionName, kmsKeyArn) };
  const out = await ec2.send(new CopyVolumesCommand(input));
  const newVolumeId = out.Volumes?.[0]?.VolumeId;
  logger.info('volume copy requested', { volumeId: newVolumeId, from: volume.volumeId });
  return { ...volume, newVolumeId };
};
