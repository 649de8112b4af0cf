import { CreateVolumeCommand, type CreateVolumeCommandInput } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { Strategy } from './lib/schema';
import { findReplacement, replacementRequest } from './lib/created';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();
export { REPLACEMENT_PHASE } from './lib/created';

export interface CreateVolumeEvent {
  volume: VolumeWork;
  strategy: Strategy;
  executionName: string;
  kmsKeyArn: string;
}

/**
 * Creates the encrypted replacement in the original's AZ with its type, size,
 * IOPS, throughput, multi-attach flag and tags. `copy` restores the encrypted
 * copy of the final snapshot; `direct` encrypts while restoring the final
 * snapshot itself. Idempotent by tags and ClientToken.
 */
export const handler = async ({ volume, strategy, executionName, kmsKeyArn }: CreateVolumeEvent): Promise<VolumeWork> => {
  const snapshotId = strategy === 'copy' ? volume.finalCopyId : volume.finalSnapshotId;
  if (!snapshotId) throw new PreconditionFailedError(`no final snapshot recorded for ${volume.volumeId}`);
  const existing = await findReplacement(ec2, executionName, volume.volumeId);
  if (existing?.VolumeId) {
    logger.info('replacement volume already exists', { volumeId: existing.VolumeId });
    return { ...volume, newVolumeId: existing.VolumeId };
  }
  const input: CreateVolumeCommandInput = {
    SnapshotId: snapshotId,
    AvailabilityZone: volume.availabilityZone,
    // Encrypted always explicit: a volume restored from an encrypted copy then carries the requested key for certain.
    ...replacementRequest(volume, executionName, kmsKeyArn),
  };
  const out = await ec2.send(new CreateVolumeCommand(input));
  logger.info('replacement volume requested', { volumeId: out.VolumeId, from: snapshotId, strategy });
  return { ...volume, newVolumeId: out.VolumeId };
};
