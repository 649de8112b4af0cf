import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { ResourceNotFoundError } from '../../lib/errors';
import { deactivatedKeys, readCase } from './case-store';
import { readIamState } from './iam-state';
import { outcomeOf, type ContainPlan, type KeptKey } from './plan';
import { sessionPolicyName } from './principal';

/**
 * The release plan, read-only, from the case record: the keys this case set Inactive that are still Inactive (never
 * a key that was Inactive before it, nor one someone reactivated or deleted since), and when the session deny may
 * go: once the longest session issued before it has expired (containment time + the principal's maximum session).
 */
export async function planRelease(mode: 'apply' | 'plan', caseId: string, iam: IAMClient, dynamodb: DynamoDBClient, table: string): Promise<ContainPlan> {
  const record = await readCase(dynamodb, table, caseId);
  if (!record) throw new ResourceNotFoundError(`release.caseId: no case ${caseId} in the case table`);
  const state = await readIamState(iam, record.principal);
  const keptKeys: KeptKey[] = [];
  const reactivateKeys: string[] = [];
  for (const id of deactivatedKeys(record)) {
    const now = state.accessKeys.find((k) => k.accessKeyId === id);
    if (!now) keptKeys.push({ accessKeyId: id, reason: 'deleted since the containment' });
    else if (now.status === 'Active') keptKeys.push({ accessKeyId: id, reason: 'already Active again' });
    else reactivateKeys.push(id);
  }
  // The deny SaveCase fixed for this case (even if its put was never recorded: a crash between the two): removed at
  // revocation time + the longest session, and only while it holds that document (remove-session-deny checks).
  const policyName = record.sessionPolicy?.name ?? sessionPolicyName(caseId);
  const present = state.inlinePolicies.includes(policyName);
  const revokedBefore = record.sessionPolicy?.revokedBefore;
  const sessionDeny = revokedBefore
    ? { policyName, present, removeAt: new Date(Date.parse(revokedBefore) + record.maxSessionSeconds * 1000).toISOString() }
    : undefined;
  return {
    outcome: outcomeOf(mode, reactivateKeys.length > 0 || present),
    action: 'release', target: record.principal.arn, caseId, principal: record.principal,
    changes: { deactivateKeys: [] }, keptKeys, maxSessionSeconds: record.maxSessionSeconds,
    release: { reactivateKeys, ...(sessionDeny ? { sessionDeny } : {}) },
  };
}
