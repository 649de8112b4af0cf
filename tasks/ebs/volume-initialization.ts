import { paginateDescribeVolumeStatus, type VolumeStatusItem } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { nextWaitSeconds, pollBudget } from '../lib/polling';
import { INITIALIZATION_PROFILE } from './lib/volume-copy';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

/**
 * The first read (ReadVolumeInitialization, right after the swap) is handed the run's volumes; every later read
 * (CheckVolumeInitialization, after the lock is released) the read before it.
 */
export type VolumeInitializationEvent = { volumes: VolumeWork[]; previous?: undefined } | { previous: InitializationReport; volumes?: undefined };

export type VolumeInitializationState = 'initializing' | 'completed' | 'unknown';

export interface VolumeInitialization {
  device: string;
  volumeId: string;
  sizeGiB: number;
  /** EC2's `initialization-state` detail: `initializing` until every block has been copied from the source; `unknown`: EC2 gave none. */
  state: VolumeInitializationState;
  /** The first read that found it completed (EC2 states no time: it finished at most one interval before). */
  completedAt?: string;
  initializationType?: string;
  progressPercent?: number;
  estimatedSecondsToComplete?: number;
  /** From EC2's estimate at this read: when the copy should reach full performance. */
  expectedCompletionAt?: string;
}

/**
 * `initializing`: a copy is still initializing and the workflow reads again after `waitSeconds`;
 * `completed`: every copy has initialized; `unknown`: none is initializing but EC2 gave no state for some;
 * `still-initializing`: the budget of reads is spent while a copy initializes (not a failure: it goes on in the background).
 */
export type InitializationStatus = 'initializing' | 'completed' | 'unknown' | 'still-initializing';

export interface InitializationReport {
  status: InitializationStatus;
  /** The first read (right after the swap) and this one. */
  startedAt: string;
  readAt: string;
  checks: number;
  maxChecks: number;
  waitSeconds: number;
  volumes: VolumeInitialization[];
  /** What a person should expect. */
  note: string;
}

const REDUCED = 'a volume copy is usable at once but runs at reduced performance (at most 3,000 IOPS and 125 MiB/s, or the lower provisioned value) '
  + 'until its initialization completes, which can take hours per TiB';

/**
 * One read of the copies' initialization (DescribeVolumeStatus by volume id, every page), folded into the reads
 * before it: the workflow follows it (Wait -> CheckVolumeInitialization -> RouteVolumeInitialization) after the
 * instance is started and the lock released, until every copy has initialized or the budget of reads is spent.
 * Never a reason to roll back: the instance is usable meanwhile.
 */
export const handler = async (event: VolumeInitializationEvent): Promise<InitializationReport> => {
  const { previous } = event;
  const copies = previous ? previous.volumes : copiesOf(event.volumes);
  const statuses: VolumeStatusItem[] = [];
  // VolumeIds filters the call; MaxResults may not go with it (EC2 refuses the pair), the pages come by NextToken.
  const paginator = paginateDescribeVolumeStatus({ client: ec2 }, { VolumeIds: copies.map((c) => c.volumeId) });
  for await (const page of paginator) statuses.push(...(page.VolumeStatuses ?? []));
  const now = new Date();
  const readAt = now.toISOString();
  const volumes = copies.map((c) => initializationOf(c, statuses.find((s) => s.VolumeId === c.volumeId), now));
  const checks = (previous?.checks ?? 0) + 1;
  const maxChecks = previous?.maxChecks ?? pollBudget(INITIALIZATION_PROFILE, Math.max(...copies.map((c) => c.sizeGiB)));
  const startedAt = previous?.startedAt ?? readAt;
  const status = statusOf(volumes, checks >= maxChecks);
  const elapsedSeconds = (now.getTime() - Date.parse(startedAt)) / 1000;
  const report: InitializationReport = {
    status, startedAt, readAt, checks, maxChecks,
    waitSeconds: nextWaitSeconds(INITIALIZATION_PROFILE, checks - 1, elapsedSeconds, leastProgress(volumes)),
    volumes, note: noteFor(status, volumes),
  };
  logger.info('volume initialization', { status, checks, initializing: volumes.filter((v) => v.state === 'initializing').length });
  return report;
};

function copiesOf(volumes: VolumeWork[]): Pick<VolumeInitialization, 'device' | 'volumeId' | 'sizeGiB'>[] {
  if (volumes.length === 0) throw new PreconditionFailedError('volumes: no volume copy to read the initialization of');
  return volumes.map((v) => {
    if (!v.newVolumeId) throw new PreconditionFailedError(`volumes: ${v.volumeId} (${v.device}) has no replacement recorded`);
    return { device: v.device, volumeId: v.newVolumeId, sizeGiB: v.sizeGiB };
  });
}

function initializationOf(
  copy: Pick<VolumeInitialization, 'device' | 'volumeId' | 'sizeGiB' | 'completedAt'>, status: VolumeStatusItem | undefined, now: Date,
): VolumeInitialization {
  const detail = status?.VolumeStatus?.Details?.find((d) => d.Name === 'initialization-state')?.Status;
  const state: VolumeInitializationState = detail === 'initializing' || detail === 'completed' ? detail : 'unknown';
  const out: VolumeInitialization = { device: copy.device, volumeId: copy.volumeId, sizeGiB: copy.sizeGiB, state };
  if (state === 'completed') out.completedAt = copy.completedAt ?? now.toISOString();
  const details = status?.InitializationStatusDetails;
  if (details?.InitializationType) out.initializationType = details.InitializationType;
  if (details?.Progress !== undefined) out.progressPercent = details.Progress;
  if (details?.EstimatedTimeToCompleteInSeconds !== undefined) {
    out.estimatedSecondsToComplete = details.EstimatedTimeToCompleteInSeconds;
    if (state === 'initializing') out.expectedCompletionAt = new Date(now.getTime() + details.EstimatedTimeToCompleteInSeconds * 1000).toISOString();
  }
  return out;
}

function statusOf(volumes: VolumeInitialization[], budgetSpent: boolean): InitializationStatus {
  if (volumes.some((v) => v.state === 'initializing')) return budgetSpent ? 'still-initializing' : 'initializing';
  return volumes.every((v) => v.state === 'completed') ? 'completed' : 'unknown';
}

/** The slowest copy's progress sets the next interval (none known: the interval doubles). */
function leastProgress(volumes: VolumeInitialization[]): number | undefined {
  const known = volumes.filter((v) => v.state === 'initializing' && v.progressPercent !== undefined).map((v) => v.progressPercent as number);
  return known.length > 0 ? Math.min(...known) : undefined;
}

function noteFor(status: InitializationStatus, volumes: VolumeInitialization[]): string {
  const ids = volumes.map((v) => v.volumeId).join(' ');
  const progress = `aws ec2 describe-volume-status --volume-ids ${ids} shows its progress`;
  switch (status) {
    case 'initializing':
      return `${REDUCED}; the workflow reads it again until every copy has initialized (the lock is released and the instance runs meanwhile)`;
    case 'completed':
      return 'every volume copy has initialized: full performance; completedAt is the first read that found it so';
    case 'unknown':
      return `EC2 gave no initialization state for some copies; ${REDUCED}; ${progress}`;
    case 'still-initializing': {
      const expected = volumes.map((v) => v.expectedCompletionAt).filter((t): t is string => Boolean(t)).sort().at(-1);
      return `not a failure: the encrypted copies are attached and verified and keep initializing in the background; ${REDUCED}`
        + `${expected ? `; EC2 expects the last one to finish by ${expected}` : ''}; the workflow stopped following it after its budget of reads; ${progress}`;
    }
  }
}
