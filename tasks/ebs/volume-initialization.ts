import { paginateDescribeVolumeStatus, type VolumeStatusItem } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface VolumeInitializationEvent {
  volumes: VolumeWork[];
}

export interface VolumeInitialization {
  device: string;
  volumeId: string;
  /** EC2's `initialization-state` detail: `initializing` until every block has been copied from the source. */
  state: 'initializing' | 'completed' | 'unknown';
  initializationType?: string;
  progressPercent?: number;
  estimatedSecondsToComplete?: number;
}

export interface InitializationReport {
  readAt: string;
  volumes: VolumeInitialization[];
  note: string;
}

const NOTE = 'a volume copy is usable at once but runs at reduced performance (at most 3,000 IOPS and 125 MiB/s, or the lower provisioned value) '
  + 'until initialization completes, which can take hours per TiB; the workflow reports it and does not wait for it '
  + '(aws ec2 describe-volume-status --volume-ids ... shows its progress)';

/**
 * One read of the replacements' initialization (DescribeVolumeStatus), right after the swap of a `volume-copy` run:
 * reported, never waited for (the instance is usable meanwhile) and never a reason to roll back.
 */
export const handler = async ({ volumes }: VolumeInitializationEvent): Promise<InitializationReport> => {
  const ids = volumes.map((v) => v.newVolumeId);
  if (ids.some((id) => !id)) throw new PreconditionFailedError('a volume has no replacement recorded');
  const statuses: VolumeStatusItem[] = [];
  for await (const page of paginateDescribeVolumeStatus({ client: ec2 }, { VolumeIds: ids as string[] })) statuses.push(...(page.VolumeStatuses ?? []));
  const report: InitializationReport = {
    readAt: new Date().toISOString(),
    volumes: volumes.map((v) => initializationOf(v, statuses.find((s) => s.VolumeId === v.newVolumeId))),
    note: NOTE,
  };
  logger.info('volume initialization', { initializing: report.volumes.filter((v) => v.state === 'initializing').length });
  return report;
};

function initializationOf(volume: VolumeWork, status: VolumeStatusItem | undefined): VolumeInitialization {
  const detail = status?.VolumeStatus?.Details?.find((d) => d.Name === 'initialization-state')?.Status;
  const state = detail === 'initializing' || detail === 'completed' ? detail : 'unknown';
  const out: VolumeInitialization = { device: volume.device, volumeId: volume.newVolumeId as string, state };
  const details = status?.InitializationStatusDetails;
  if (details?.InitializationType) out.initializationType = details.InitializationType;
  if (details?.Progress !== undefined) out.progressPercent = details.Progress;
  if (details?.EstimatedTimeToCompleteInSeconds !== undefined) out.estimatedSecondsToComplete = details.EstimatedTimeToCompleteInSeconds;
  return out;
}
