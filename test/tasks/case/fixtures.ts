// What the stack gives the close-case functions; imported first so handlers read it at load, as in Lambda.
export const TABLE = 'principal-cases';
Object.assign(process.env, { PRINCIPAL_CASE_TABLE_NAME: TABLE, RETAIN_DAYS: '7' });

import type { Snapshot, Tag } from '@aws-sdk/client-ec2';
import type { ClosurePlan } from '../../../tasks/case/lib/closure';

export const CASE = 'case-3c5f1a2b-1111-2222-3333-444455556666';
export const EXECUTION = { name: 'close-case-x-20261201T120000Z', startTime: '2026-12-01T12:00:00.000Z', arn: 'arn:aws:states:us-east-1:111122223333:execution:remediation-close-case:close-case-x' };
export const TRIGGER = { source: 'console' as const, claimed: true as const };
export const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
/** A forensic snapshot as the isolate-instance contract tags it (no retain-until), with `extra` tags. */
export const forensic = (id: string, extra: Record<string, string> = {}): Snapshot => ({
  SnapshotId: id, State: 'completed',
  Tags: tags({ 'remediation:case': CASE, 'remediation:workflow': 'isolate-instance', 'remediation:execution': 'isolate-instance-i-1-x', ...extra }),
});
export const request = (overrides: Record<string, unknown> = {}) => ({
  caseId: CASE, reason: 'investigation done: no data taken', force: false, approval: false, mode: 'apply' as const, trigger: TRIGGER, ...overrides,
});
export const closurePlan = (overrides: Partial<ClosurePlan> = {}): ClosurePlan => ({
  outcome: 'PROCEED', target: CASE, caseId: CASE, toClose: [{ snapshotId: 'snap-0a', tags: {} }], alreadyClosed: [], held: [], ...overrides,
});
