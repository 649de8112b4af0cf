import { createEc2Client } from '../lib/clients/ec2';
import { describeSnapshots } from '../lib/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { caseSnapshotOf } from './lib/closure';
import type { CloseResult } from './close-snapshots';

const ec2 = createEc2Client();

/** Re-reads every snapshot the close step reports tagged: each must carry exactly the case-closed and retain-until it set. */
export const handler = async ({ closed }: { closed: CloseResult }): Promise<{ verified: number; at: string }> => {
  const ids = closed.closed.map((c) => c.snapshotId);
  const read = new Map((ids.length > 0 ? await describeSnapshots(ec2, ids) : []).map((s) => [s.SnapshotId as string, caseSnapshotOf(s)]));
  const problems = closed.closed.flatMap((c) => {
    const tags = read.get(c.snapshotId)?.tags;
    if (!tags) return [`${c.snapshotId} is gone`];
    return tags.caseClosed === c.after.caseClosed && tags.retainUntil === c.after.retainUntil ? []
      : [`${c.snapshotId} carries case-closed=${String(tags.caseClosed)}, retain-until=${String(tags.retainUntil)}`];
  });
  if (problems.length > 0) throw new VerificationFailedError(`case snapshots not closed as reported: ${problems.join('; ')}`);
  logger.info('closure verified', { verified: ids.length });
  return { verified: ids.length, at: new Date().toISOString() };
};
