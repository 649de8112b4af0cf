import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { startNamedExecution } from '../../lib/start-execution';
import type { StepRecord } from './case-store';
import { stepRecorder } from './record';

export interface CaseChild {
  table: string;
  caseId: string;
  instanceId: string;
  stateMachineArn: string;
  /** Deterministic, from the case: a retry (or a second run of the same case) finds the execution the first start made. */
  name: string;
  input: Record<string, unknown>;
  /** The case record's step and the resource it names. */
  action: string;
  resourceId: string;
  /** The parent execution, carried in the child's trigger. */
  parentExecution: string;
}

/** Starts one child workflow of the case (block-source-ip, rotate-key-pair) once, and records it in the case record. */
export async function startCaseChild(sfn: SFNClient, dynamodb: DynamoDBClient, child: CaseChild): Promise<{ steps: StepRecord[]; executionArn: string }> {
  const { steps, record } = stepRecorder(dynamodb, child.table, child.caseId, child.instanceId);
  const name = child.name.slice(0, 80);
  const input = { ...child.input, trigger: { source: 'eventbridge', parentExecution: child.parentExecution } };
  const { executionArn } = await startNamedExecution(sfn, { stateMachineArn: child.stateMachineArn, name, input: JSON.stringify(input) });
  await record({ action: child.action, resourceId: child.resourceId, after: { executionArn } });
  return { steps, executionArn };
}
