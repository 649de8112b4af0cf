import { CopySnapshotCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findCreatedSnapshot } from './lib/created';
import { PreconditionFailedError } from '../lib/errors';
import { createOnce } from '../lib/create-once';
import { logger } from '../lib/logger';
import { createdResourceTags } from './lib/created';
import type { VolumeWork } from './lib/types';
import type { SnapshotPhase } from './create-snapshot';

const ec2 = createEc2Client();
// The create itself without SDK retries: it has no ClientToken, so every retry must look by tag first.
const ec2Once = createEc2Client({ sdkRetries: false });
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) throw new Error('AWS_REGION must be set');

export interface CopySnapshotEvent {
  volume: VolumeWork;
  phase: SnapshotPhase;
  executionName: string;
  kmsKeyArn: string;
}

/** Makes the encrypted copy of this phase's snapshot with the requested key. Idempotent by tags. */
export const handler = async ({ volume, phase, executionName, kmsKeyArn }: CopySnapshotEvent): Promise<VolumeWork> => {
  const source = phase === 'final' ? volume.finalSnapshotId : volume.preSnapshotId;
  const field = phase === 'final' ? 'finalCopyId' : 'preCopyId';
  if (!source) throw new PreconditionFailedError(`no ${phase} snapshot recorded for ${volume.volumeId}`);
  const copyPhase = `${phase}-encrypted`;
  const existing = await findCreatedSnapshot(ec2, executionName, copyPhase, volume.volumeId);
  if (existing?.SnapshotId) {
    logger.info('encrypted copy already exists', { snapshotId: existing.SnapshotId, phase });
    return { ...volume, [field]: existing.SnapshotId };
  }
  const out = await createOnce(`CopySnapshot of ${volume.volumeId}`, () => ec2Once.send(
    new CopySnapshotCommand({
      SourceSnapshotId: source,
      SourceRegion: region,
      Encrypted: true,
      KmsKeyId: kmsKeyArn,
      Description: `encrypted ${phase} copy of ${source} (${volume.volumeId}) by ${executionName}`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: createdResourceTags(volume.tags, executionName, copyPhase, volume.volumeId),
        },
      ],
    }),
  ));
  logger.info('encrypted copy started', { snapshotId: out.SnapshotId, source, phase });
  return { ...volume, [field]: out.SnapshotId };
};
