import { createAutoScalingClient } from '../lib/clients/auto-scaling';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createElbv2Client } from '../lib/clients/elbv2';
import { readEnv, requiredString } from '../lib/env';
import { ErrorNames, ResourceNotFoundError, VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { INSTANCE_CASE_TABLE_ENV, STEP, markInstanceReleased, readInstanceCase } from './lib/case-store';
import { readInstanceState } from './lib/instance-state';
import type { IsolationPlan } from './lib/plan';
import { restoreFromCase, type Restored } from './lib/restore';

const clients = { ec2: createEc2Client(), autoScaling: createAutoScalingClient(), elbv2: createElbv2Client() };
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface RestoreInstanceEvent {
  plan: IsolationPlan;
  executionName: string;
  /** release: the operator's undo; rollback: a failure mid-isolation (`error` is what failed). */
  reason: 'release' | 'rollback';
  error?: { Error?: string; Cause?: string };
}
export interface RestoredInstance { restored: Restored[]; error?: string; cause?: string }

/**
 * Puts back what the case record says this case changed: groups, profile, protection, Auto Scaling, target groups, the
 * isolated tag. Forensic snapshots and the session deny stay. A rollback ends RemediationRolledBack (all put back) or
 * RollbackFailedError naming what a person must restore; a release with a failure throws for the same reason.
 */
export const handler = async ({ plan, executionName, reason, error }: RestoreInstanceEvent): Promise<RestoredInstance> => {
  const record = await readInstanceCase(dynamodb, TABLE, plan.caseId, plan.instanceId);
  // A case another execution holds (SaveCase refused this one) is not this run's to undo.
  if (reason === 'rollback' && record?.isolateExecution !== executionName) {
    return { restored: [], error: ErrorNames.remediationRolledBack, cause: `${error?.Error}: ${error?.Cause} (nothing had been changed)` };
  }
  if (!record) throw new ResourceNotFoundError(`no record of ${plan.instanceId} in case ${plan.caseId}`);
  // A retry after a lost answer: what is already back in place is not undone twice.
  const now = await readInstanceState(clients, plan.instanceId);
  const current = new Map(now.enis.map((e) => [e.networkInterfaceId, e.groupIds]));
  const restored = await restoreFromCase(clients, record, (step) =>
    (step.action === STEP.profile && now.profile !== undefined) || (step.action === STEP.tagIsolated && tagValue(now.tags, TAG.isolated) === undefined), current);
  const failed = restored.filter((r) => r.error);
  const left = restored.filter((r) => r.left);
  const leftText = left.map((l) => `${l.resourceId} ${l.left}`).join('; ');
  logger.info('instance restored', { reason, caseId: plan.caseId, instanceId: plan.instanceId, restored: restored.length, failed: failed.length });
  if (reason === 'release') {
    // The release promises the prior state: an ENI someone else changed is not put back over them, and the release says so.
    const incomplete = [...failed.map((f) => `${f.action} ${f.resourceId} (${f.error})`), ...left.map((l) => `${l.resourceId} ${l.left}; put its groups back by hand if that change was not meant to stay`)];
    if (incomplete.length > 0) throw new VerificationFailedError(`release incomplete: ${incomplete.join('; ')}`);
    await markInstanceReleased(dynamodb, TABLE, plan.caseId, plan.instanceId, executionName, new Date().toISOString());
    return { restored };
  }
  const what = `isolation of ${plan.instanceId} failed (${error?.Error}: ${error?.Cause})`;
  return failed.length === 0
    ? {
      restored, error: ErrorNames.remediationRolledBack,
      cause: `${what}; everything changed was put back (forensic snapshots kept: ${record.snapshotIds.join(', ') || 'none'})${left.length > 0 ? `, except what someone else changed meanwhile: ${leftText}` : ''}`,
    }
    : { restored, error: ErrorNames.rollbackFailed, cause: `${what}; NOT put back, restore by hand from case ${plan.caseId}: ${failed.map((f) => `${f.action} ${f.resourceId} (${f.error})`).join('; ')}` };
};
