import { DeleteSnapshotCommand, DeleteVolumeCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { readAccount, stillExists } from './lib/account';
import { judge } from './lib/judge';
import type { DeleteResult, Deletion, ExpiryPlan, Refusal } from './lib/types';

const ec2 = createEc2Client();

export interface DeleteExpiredEvent {
  plan: ExpiryPlan;
}

const GONE = new Set(['InvalidVolume.NotFound', 'InvalidSnapshot.NotFound']);
const TRANSIENT = new Set<string>(TRANSIENT_ERRORS);

/**
 * The re-check before deleting: the account is read and judged again, and only what the plan named and is
 * still safe now is deleted. What changed since (attached meanwhile, put on hold, its replacement gone) is refused
 * with today's reason; what no longer exists counts as done. One resource EC2 refuses (a snapshot an AMI uses, say)
 * is reported and the others go on; throttling is thrown for the state's Retry, and the retry re-reads everything.
 */
export const handler = async ({ plan }: DeleteExpiredEvent): Promise<DeleteResult> => {
  const now = judge(await readAccount(ec2), new Date(), Number.POSITIVE_INFINITY);
  const safeNow = new Map(now.delete.map((d) => [d.resourceId, d]));
  const result: DeleteResult = { deleted: [], refused: [] };
  for (const planned of plan.delete) {
    const current = safeNow.get(planned.resourceId);
    if (current) await deleteOne(current, result);
    else await refuseChanged(planned, now.refused.find((r) => r.resourceId === planned.resourceId), result);
  }
  logger.info('expired resources deleted', { deleted: result.deleted.length, refused: result.refused.length });
  return result;
};

async function deleteOne(d: Deletion, result: DeleteResult): Promise<void> {
  const done = (outcome: 'deleted' | 'already-gone'): void => {
    result.deleted.push({ resourceId: d.resourceId, resourceType: d.resourceType, result: outcome, at: new Date().toISOString() });
  };
  try {
    if (d.resourceType === 'volume') await ec2.send(new DeleteVolumeCommand({ VolumeId: d.resourceId }));
    else await ec2.send(new DeleteSnapshotCommand({ SnapshotId: d.resourceId }));
    done('deleted');
  } catch (error) {
    const name = awsErrorName(error) ?? 'Error';
    if (GONE.has(name)) {
      done('already-gone');
      return;
    }
    if (TRANSIENT.has(name)) throw error;
    result.refused.push({ ...strip(d), reason: `EC2 refused the delete: ${name}: ${(error as Error).message}` });
  }
}

async function refuseChanged(planned: Deletion, refusal: Refusal | undefined, result: DeleteResult): Promise<void> {
  if (refusal) {
    result.refused.push({ ...strip(planned), reason: `changed since the plan: ${refusal.reason}` });
  } else if (await stillExists(ec2, planned.resourceType, planned.resourceId)) {
    result.refused.push({ ...strip(planned), reason: 'changed since the plan: its retention no longer passed (retain-until removed or moved later)' });
  } else {
    result.deleted.push({ resourceId: planned.resourceId, resourceType: planned.resourceType, result: 'already-gone', at: new Date().toISOString() });
  }
}

const strip = ({ resourceId, resourceType, kind, retainUntil }: Deletion): Refusal => ({ resourceId, resourceType, kind, retainUntil, reason: '' });
