import { CreateSnapshotCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findCreatedSnapshot } from './lib/created';
import { createOnce } from '../lib/create-once';
import { logger } from '../lib/logger';
import { createdResourceTags } from './lib/created';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();
// The create itself without SDK retries: it has no ClientToken, so every retry must look by tag first.
const ec2Once = createEc2Client({ sdkRetries: false });

export type SnapshotPhase = 'pre-copy' | 'final';

export interface CreateSnapshotEvent {
  volume: VolumeWork;
  phase: SnapshotPhase;
  executionName: string;
}

/**
 * Snapshots one volume. Idempotent: a retry finds the snapshot this execution
 * already made for this volume and phase (by tags) instead of making another.
 * The final snapshot is taken after the stop, incremental on the pre-copy one.
 */
export const handler = async ({ volume, phase, executionName }: CreateSnapshotEvent): Promise<VolumeWork> => {
  const field = phase === 'final' ? 'finalSnapshotId' : 'preSnapshotId';
  const existing = await findCreatedSnapshot(ec2, executionName, phase, volume.volumeId);
  if (existing?.SnapshotId) {
    logger.info('snapshot already exists', { snapshotId: existing.SnapshotId, phase });
    return { ...volume, [field]: existing.SnapshotId };
  }
  const out = await createOnce(`CreateSnapshot of ${volume.volumeId}`, () => ec2Once.send(
    new CreateSnapshotCommand({
      VolumeId: volume.volumeId,
      Description: `${phase} snapshot of ${volume.volumeId} (${volume.device}) by ${executionName}`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: createdResourceTags(volume.tags, executionName, phase, volume.volumeId),
        },
      ],
    }),
  ));
  logger.info('snapshot started', { snapshotId: out.SnapshotId, phase });
  return { ...volume, [field]: out.SnapshotId };
};
