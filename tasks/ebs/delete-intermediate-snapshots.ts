import { DeleteSnapshotCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface DeleteIntermediateEvent {
  volumes: VolumeWork[];
}

export interface CleanupResult {
  deleted: string[];
  kept: string[];
}

/**
 * Runs only after verify passed. Removes the unencrypted snapshots and the
 * pre-copy encrypted copy; keeps each final encrypted copy as a backup. The
 * original volumes are never deleted (they carry `remediation:retain-until`).
 */
export const handler = async ({ volumes }: DeleteIntermediateEvent): Promise<CleanupResult> => {
  const intermediate = volumes.flatMap((v) => [v.preSnapshotId, v.preCopyId, v.finalSnapshotId]).filter((id): id is string => !!id);
  const kept = volumes.map((v) => v.finalCopyId).filter((id): id is string => !!id);
  const deleted: string[] = [];
  for (const snapshotId of intermediate) {
    try {
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    } catch (error) {
      // Already gone (a retry after a timeout): that is the state we want.
      if (awsErrorName(error) !== 'InvalidSnapshot.NotFound') throw error;
    }
    deleted.push(snapshotId);
  }
  logger.info('intermediate snapshots removed', { deleted: deleted.length, kept: kept.length });
  return { deleted, kept };
};
