import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { retainDaysFromEnv, retainUntil } from '../lib/retention';
import { TAG } from '../lib/tags';
import { caseSnapshots, isHeld, type CaseSnapshot, type ClosurePlan } from './lib/closure';

const ec2 = createEc2Client();
const RETAIN_DAYS = retainDaysFromEnv();

export interface ClosedSnapshot { snapshotId: string; before: CaseSnapshot['tags']; after: CaseSnapshot['tags']; at: string }
export interface CloseResult { closedAt: string; closed: ClosedSnapshot[]; skipped: { snapshotId: string; reason: string }[] }

/**
 * Marks each planned snapshot closed: `remediation:case-closed=<now>` and `remediation:retain-until=<now + retention.days>`.
 * The re-check first: the case's snapshots are read again; one put on hold, closed or gone since the plan is skipped
 * with its reason. A retry finds what the first try tagged (already closed) and leaves it.
 */
export const handler = async ({ plan }: { plan: ClosurePlan }): Promise<CloseResult> => {
  const now = new Date();
  const closedAt = now.toISOString();
  const current = new Map((await caseSnapshots(ec2, plan.caseId)).map((s) => [s.snapshotId, s]));
  const result: CloseResult = { closedAt, closed: [], skipped: [] };
  for (const planned of plan.toClose) {
    const snapshot = current.get(planned.snapshotId);
    const reason = !snapshot ? 'no longer exists' : isHeld(snapshot) ? `tagged ${TAG.hold}=true since the plan: not changed`
      : snapshot.tags.caseClosed ? `already closed at ${snapshot.tags.caseClosed}` : undefined;
    if (reason || !snapshot) {
      result.skipped.push({ snapshotId: planned.snapshotId, reason: reason ?? 'no longer exists' });
      continue;
    }
    const after = { caseClosed: closedAt, retainUntil: retainUntil(now, RETAIN_DAYS) };
    await ec2.send(new CreateTagsCommand({
      Resources: [snapshot.snapshotId], Tags: [{ Key: TAG.caseClosed, Value: after.caseClosed }, { Key: TAG.retainUntil, Value: after.retainUntil }],
    }));
    result.closed.push({ snapshotId: snapshot.snapshotId, before: snapshot.tags, after, at: new Date().toISOString() });
  }
  logger.info('case snapshots closed', { caseId: plan.caseId, closed: result.closed.length, skipped: result.skipped.length });
  return result;
};
