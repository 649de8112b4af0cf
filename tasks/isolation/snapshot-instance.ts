import { CreateSnapshotsCommand, DescribeSnapshotsCommand, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import { INSTANCE_CASE_TABLE_ENV, STEP, recordSnapshots, recordStep, saveInstanceCase } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';

// CreateSnapshots has no ClientToken: the SDK sends it once, and a retry finds the first attempt's snapshots by tag.
const ec2 = createEc2Client({ sdkRetries: false });
const dynamodb = createDynamoDbClient();
const { [INSTANCE_CASE_TABLE_ENV]: TABLE } = readEnv({ [INSTANCE_CASE_TABLE_ENV]: requiredString });

export interface SnapshotInstanceEvent { plan: IsolationPlan; executionName: string }
export interface ForensicSnapshots { snapshotIds: string[]; consoleOutput: { available: boolean; error?: string } }

async function consoleOutputOf(InstanceId: string): Promise<{ output?: string; error?: string }> {
  try {
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId, Latest: true }));
    return out.Output ? { output: out.Output } : { error: 'no console output yet' };
  } catch (error) {
    return { error: `${awsErrorName(error) ?? 'Error'}: ${(error as Error).message}` };
  }
}

/**
 * Step 1, before any change: the case record (the instance's metadata as preflight read it, and its console output),
 * then one crash-consistent snapshot of every volume (CreateSnapshots), tagged with the case. No retain-until: forensic
 * snapshots stay until close-case closes the case.
 */
export const handler = async ({ plan, executionName }: SnapshotInstanceEvent): Promise<ForensicSnapshots> => {
  const { caseId, instanceId } = plan;
  const consoleOutput = await consoleOutputOf(instanceId);
  await saveInstanceCase(dynamodb, TABLE, { caseId, instanceId, isolateExecution: executionName, savedAt: new Date().toISOString(), prior: plan.state, consoleOutput, snapshotIds: [] });
  const { Snapshots: found = [] } = await ec2.send(new DescribeSnapshotsCommand({
    OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.case}`, Values: [caseId] }, { Name: `tag:${TAG.execution}`, Values: [executionName] }, { Name: 'volume-id', Values: plan.state.volumeIds }],
  }));
  let snapshotIds = found.map((s) => s.SnapshotId ?? '').filter(Boolean).sort();
  if (snapshotIds.length === 0 && plan.state.volumeIds.length > 0) {
    const out = await ec2.send(new CreateSnapshotsCommand({
      InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false }, CopyTagsFromSource: 'volume',
      Description: `forensic snapshot of ${instanceId} for case ${caseId}`,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: TAG.case, Value: caseId }, { Key: TAG.workflow, Value: WORKFLOW.isolateInstance }, { Key: TAG.execution, Value: executionName }] }],
    }));
    snapshotIds = (out.Snapshots ?? []).map((s) => s.SnapshotId ?? '').filter(Boolean).sort();
  }
  await recordSnapshots(dynamodb, TABLE, caseId, instanceId, snapshotIds);
  await recordStep(dynamodb, TABLE, caseId, instanceId, { action: STEP.snapshots, resourceId: instanceId, at: new Date().toISOString(), after: { snapshotIds } });
  logger.info('forensic snapshots started', { caseId, instanceId, snapshots: snapshotIds.length, consoleOutput: consoleOutput.output !== undefined });
  return { snapshotIds, consoleOutput: { available: consoleOutput.output !== undefined, ...(consoleOutput.error ? { error: consoleOutput.error } : {}) } };
};
