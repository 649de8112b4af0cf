import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findSnapshots, findVolumes } from '../lib/ec2';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import type { PollState, ReportAction } from '../lib/types';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

export interface FinishRollbackEvent {
  executionName: string;
  instanceId: string;
  instanceStateBefore: string;
  volumes: VolumeWork[];
  /** Set when a task failed (Catch); empty when a poll loop reported `error`. */
  error?: { Error?: string; Cause?: string };
  polls?: Record<string, Partial<PollState>>;
}

export interface RollbackReport {
  workflow: string;
  target: string;
  outcome: 'ROLLED_BACK';
  error: { Error: string; Cause: string };
  actions: ReportAction[];
}

/**
 * Marks everything this execution created `remediation:rolled-back=true` (kept,
 * never deleted, for a person to inspect) and writes the report that becomes
 * the cause of the FAILED execution.
 */
export const handler = async (event: FinishRollbackEvent): Promise<{ report: RollbackReport; cause: string }> => {
  const filters = [{ Name: `tag:${TAG.execution}`, Values: [event.executionName] }];
  const created = [
    ...(await findSnapshots(ec2, filters)).map((s) => s.SnapshotId as string),
    ...(await findVolumes(ec2, filters)).map((v) => v.VolumeId as string),
  ];
  const at = new Date().toISOString();
  for (let i = 0; i < created.length; i += 500) {
    await ec2.send(new CreateTagsCommand({ Resources: created.slice(i, i + 500), Tags: [{ Key: TAG.rolledBack, Value: 'true' }] }));
  }
  const actions: ReportAction[] = [
    ...event.volumes.map((v) => ({
      action: 'restore-original-volume',
      resourceId: v.volumeId,
      after: { device: v.device, deleteOnTermination: v.deleteOnTermination, attachedTo: event.instanceId },
      at,
    })),
    ...created.map((id) => ({ action: 'tag-rolled-back', resourceId: id, after: { [TAG.rolledBack]: 'true' }, at })),
    { action: 'restore-instance-state', resourceId: event.instanceId, after: { state: event.instanceStateBefore }, at },
  ];
  const report: RollbackReport = {
    workflow: WORKFLOW.encryptVolumes,
    target: event.instanceId,
    outcome: 'ROLLED_BACK',
    error: failureOf(event),
    actions,
  };
  logger.warn('rolled back', { instanceId: event.instanceId, error: report.error.Error, tagged: created.length });
  return { report, cause: JSON.stringify(report) };
};

function failureOf(event: FinishRollbackEvent): { Error: string; Cause: string } {
  if (event.error?.Error) return { Error: event.error.Error, Cause: event.error.Cause ?? '' };
  const failedPoll = Object.values(event.polls ?? {}).find((p) => p.status === 'error' && p.error);
  return failedPoll?.error ?? { Error: 'Unknown', Cause: 'no error was recorded' };
}
