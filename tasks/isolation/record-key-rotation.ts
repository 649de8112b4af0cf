import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { INSTANCE_CASE_TABLE_ENV, STEP } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import { stepRecorder } from './lib/record';

const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

/** What StartKeyRotation (`states:startExecution.sync:2`) keeps of a child that SUCCEEDED. */
export interface KeyRotationChild { executionArn: string; status: string; output?: { outcome?: string; reason?: string; newKeyPair?: { keyName?: string } } }
/** What its Catch keeps of one that did not (Step Functions' cause is the child's description as JSON, when it ran). */
export interface KeyRotationFailure { Error?: string; Cause?: string }

export interface RecordKeyRotationEvent { plan: IsolationPlan; child?: KeyRotationChild; failure?: KeyRotationFailure }

/** The child's ending, as the case record, the report and `remediate case` tell it. */
export interface KeyRotationResult {
  name: string;
  executionArn?: string;
  /** SUCCEEDED (its outcome: REMEDIATED, or NO_ACTION and why), or how it ended (FAILED, TIMED_OUT, ABORTED), or NOT_STARTED. */
  status: string;
  outcome?: string;
  reason?: string;
  newKeyName?: string;
  error?: string;
  cause?: string;
  at?: string;
}

/** The failed child's own description, when Step Functions gave one in the cause (else the cause as it is). */
function failedChild(name: string, failure: KeyRotationFailure): KeyRotationResult {
  let described: { ExecutionArn?: string; Status?: string; Error?: string; Cause?: string } | undefined;
  try {
    described = JSON.parse(failure.Cause ?? '') as typeof described;
  } catch {
    described = undefined;
  }
  if (!described?.ExecutionArn) return { name, status: 'NOT_STARTED', ...(failure.Error ? { error: failure.Error } : {}), ...(failure.Cause ? { cause: failure.Cause } : {}) };
  return {
    name, executionArn: described.ExecutionArn, status: described.Status ?? 'FAILED',
    ...(described.Error ? { error: described.Error } : {}), ...(described.Cause ? { cause: described.Cause } : {}),
  };
}

/**
 * After the rotate-key-pair child, whatever its ending: records it in the case record (`start-rotate-key-pair`, its
 * execution in `after.executionArn` for `remediate case`). A rotation that failed is rolled back by the child itself
 * and never undoes the isolation: it is recorded and reported, and the isolation goes on.
 */
export const handler = async ({ plan, child, failure }: RecordKeyRotationEvent): Promise<KeyRotationResult> => {
  const name = plan.keyRotation?.name ?? '';
  const result: KeyRotationResult = child
    ? {
      name, executionArn: child.executionArn, status: child.status, ...(child.output?.outcome ? { outcome: child.output.outcome } : {}),
      ...(child.output?.reason ? { reason: child.output.reason } : {}), ...(child.output?.newKeyPair?.keyName ? { newKeyName: child.output.newKeyPair.keyName } : {}),
    }
    : failedChild(name, failure ?? {});
  const { steps, record } = stepRecorder(dynamodb, TABLE, plan.caseId, plan.instanceId);
  await record({ action: STEP.rotateKeyPair, resourceId: plan.keyName ?? plan.instanceId, after: { ...result } });
  logger.info('key rotation recorded', { name, status: result.status, outcome: result.outcome });
  return { ...result, at: steps[0]?.at ?? new Date().toISOString() };
};
