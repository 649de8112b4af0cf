import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { recordStep, type StepRecord } from './case-store';

/** A step recorder for one case's instance: records each step as it is made and keeps what it recorded for the report. */
export function stepRecorder(dynamodb: DynamoDBClient, table: string, caseId: string, instanceId: string) {
  const steps: StepRecord[] = [];
  const record = async (step: Omit<StepRecord, 'at'>): Promise<void> => {
    const made = { ...step, at: new Date().toISOString() };
    await recordStep(dynamodb, table, caseId, instanceId, made);
    steps.push(made);
  };
  return { steps, record };
}
