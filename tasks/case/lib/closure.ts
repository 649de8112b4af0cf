import type { EC2Client, Snapshot } from '@aws-sdk/client-ec2';
import { findInstances, findSnapshots } from '../../lib/ec2';
import { TAG, tagValue } from '../../lib/tags';
import type { ExecutionFacts, Outcome } from '../../lib/types';
import type { CloseCaseInput } from './schema';

export interface ValidatedClose {
  request: CloseCaseInput;
  execution: ExecutionFacts;
  /** The lock's key: `<account>/<region>/close-case/<caseId>` (account-level: it tags nothing). */
  lockTarget: string;
}

/** One forensic snapshot as the plan and the report show it: its id and the case tags it carries. */
export interface CaseSnapshot {
  snapshotId: string;
  tags: { caseClosed?: string; retainUntil?: string; hold?: string };
}

export interface ClosurePlan {
  outcome: Outcome;
  target: string;
  caseId: string;
  /** To be marked closed now. */
  toClose: CaseSnapshot[];
  /** Marked closed already (a re-run, or a person): left as they are. */
  alreadyClosed: CaseSnapshot[];
  /** remediation:hold=true: never changed. */
  held: CaseSnapshot[];
  /** The contain-principal case of this id, when it is still contained and `force` let the closure go on. */
  principalStillContained?: string;
}

export const caseSnapshotOf = (s: Snapshot): CaseSnapshot => {
  const caseClosed = tagValue(s.Tags, TAG.caseClosed);
  const retainUntil = tagValue(s.Tags, TAG.retainUntil);
  const hold = tagValue(s.Tags, TAG.hold);
  return { snapshotId: s.SnapshotId as string, tags: { ...(caseClosed ? { caseClosed } : {}), ...(retainUntil ? { retainUntil } : {}), ...(hold ? { hold } : {}) } };
};

export const isHeld = (s: CaseSnapshot): boolean => s.tags.hold?.toLowerCase() === 'true';

/** Every own snapshot of the case (all pages), by id. */
export async function caseSnapshots(ec2: EC2Client, caseId: string): Promise<CaseSnapshot[]> {
  const found = await findSnapshots(ec2, [{ Name: `tag:${TAG.case}`, Values: [caseId] }]);
  return found.map(caseSnapshotOf).sort((a, b) => a.snapshotId.localeCompare(b.snapshotId));
}

/** The instances isolate-instance still holds isolated for the case (not terminated). */
export async function stillIsolated(ec2: EC2Client, caseId: string): Promise<string[]> {
  const found = await findInstances(ec2, [
    { Name: `tag:${TAG.isolated}`, Values: [caseId] },
    { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
  ]);
  return found.map((i) => i.InstanceId as string).sort();
}

/** The command that releases one isolated instance of the case. */
export const releaseCommand = (instanceId: string, caseId: string): string =>
  `remediate start isolate-instance --input '${JSON.stringify({ instanceId, caseId, release: true })}'`;
