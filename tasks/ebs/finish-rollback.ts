import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance, findVolumes } from '../lib/ec2';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import type { PollState, ReportAction } from '../lib/types';
import type { CleanupResult } from './cleanup-created';
import { deviceReport, type DeviceOutcome, type DeviceReport } from './lib/rollback-report';
import type { VolumeWork } from './lib/types';

const ec2 = createEc2Client();

type ErrorInfo = { Error?: string; Cause?: string };

export interface FinishRollbackEvent {
  executionName: string;
  instanceId: string;
  instanceStateBefore: string;
  volumes: VolumeWork[];
  /** Set when a task failed (Catch); empty when a poll loop reported `error`. */
  error?: ErrorInfo;
  polls?: Record<string, Partial<PollState>>;
  /** What the rollback Map recorded per device (absent when the Map itself failed). */
  devices?: DeviceOutcome[];
  /** Errors caught in rollback's own steps (the Map, the restart, the cleanup), by step. */
  rollbackErrors?: Record<string, ErrorInfo>;
  /** The cleanup after rollback (settled, tagged, deleted). */
  cleanup?: Partial<CleanupResult>;
}

export interface RollbackReport {
  workflow: string;
  target: string;
  /** ROLLED_BACK: every device and the instance as before (RemediationRolledBack); otherwise RollbackFailedError. */
  outcome: 'ROLLED_BACK' | 'ROLLBACK_INCOMPLETE';
  /** The failure that caused the rollback. */
  error: { Error: string; Cause: string };
  devices: DeviceReport[];
  instance: { instanceId: string; stateBefore: string; stateNow: string; restored: boolean; whatToDo?: string };
  cleanup: { deleted: string[]; kept: string[]; tagged: string[]; unsettled: string[] };
  rollbackErrors: Record<string, { Error: string; Cause: string }>;
  /** Every step a person must take, device by device, then the instance. */
  whatToDo: string[];
  actions: ReportAction[];
}

/**
 * Always runs after rollback attempted every device: reads the instance and the volumes as
 * they are now and writes the per-device report that becomes the cause of the FAILED
 * execution. `allRestored` routes to RemediationRolledBack, anything else to RollbackFailedError.
 */
export const handler = async (event: FinishRollbackEvent): Promise<{ report: RollbackReport; cause: string; allRestored: boolean }> => {
  const instance = await describeInstance(ec2, event.instanceId);
  const ids = event.volumes.flatMap((v) => (v.newVolumeId ? [v.volumeId, v.newVolumeId] : [v.volumeId]));
  const volumes = ids.length ? await findVolumes(ec2, [{ Name: 'volume-id', Values: ids }]) : [];
  const byId = new Map(volumes.map((v) => [v.VolumeId as string, v]));
  const devices = event.volumes.map((v) => deviceReport(v, instance, byId, event.devices?.find((d) => d.volumeId === v.volumeId)));

  const stateNow = instance.State?.Name ?? 'unknown';
  const wasRunning = event.instanceStateBefore === 'running';
  const instanceRestored = !wasRunning || stateNow === 'running' || stateNow === 'pending';
  const instanceReport: RollbackReport['instance'] = { instanceId: event.instanceId, stateBefore: event.instanceStateBefore, stateNow, restored: instanceRestored };
  if (!instanceRestored) {
    instanceReport.whatToDo = `start ${event.instanceId}${devices.some((d) => !d.restored) ? ' once every device above is back' : ''} (it was running before the remediation)`;
  }
  const rollbackErrors = Object.fromEntries(Object.entries(event.rollbackErrors ?? {})
    .filter(([, e]) => e?.Error).map(([step, e]) => [step, { Error: e.Error as string, Cause: e.Cause ?? '' }]));
  const cleanup = {
    deleted: event.cleanup?.deleted ?? [], kept: event.cleanup?.kept ?? [], tagged: event.cleanup?.tagged ?? [], unsettled: event.cleanup?.unsettled ?? [],
  };
  const allRestored = devices.every((d) => d.restored) && instanceRestored;
  const at = new Date().toISOString();
  const report: RollbackReport = {
    workflow: WORKFLOW.encryptVolumes,
    target: event.instanceId,
    outcome: allRestored ? 'ROLLED_BACK' : 'ROLLBACK_INCOMPLETE',
    error: failureOf(event),
    devices,
    instance: instanceReport,
    cleanup,
    rollbackErrors,
    whatToDo: [...devices.flatMap((d) => (d.whatToDo ? [`${d.device}: ${d.whatToDo}`] : [])), ...(instanceReport.whatToDo ? [instanceReport.whatToDo] : [])],
    actions: [
      ...devices.filter((d) => d.restored).map((d) => ({
        action: 'restore-original-volume', resourceId: d.originalVolumeId,
        after: { device: d.device, deleteOnTermination: d.deleteOnTermination.expected, attachedTo: event.instanceId }, at,
      })),
      ...cleanup.deleted.map((id) => ({ action: 'delete-intermediate-snapshot', resourceId: id, at })),
      ...cleanup.tagged.map((id) => ({ action: 'tag-rolled-back', resourceId: id, after: { [TAG.rolledBack]: 'true' }, at })),
      ...(instanceRestored ? [{ action: 'restore-instance-state', resourceId: event.instanceId, after: { state: stateNow }, at }] : []),
    ],
  };
  logger.warn(allRestored ? 'rolled back' : 'rollback incomplete', {
    instanceId: event.instanceId, error: report.error.Error, notRestored: devices.filter((d) => !d.restored).map((d) => d.device),
  });
  return { report, cause: fitCause(report), allRestored };
};

/** Step Functions keeps at most 32,768 characters of a Fail state's cause. */
export const MAX_CAUSE = 32_768;

/**
 * The report as the execution's cause. With many volumes the per-resource cleanup actions go first
 * (their ids stay in `cleanup`), then the restored devices' detail (their device, ids and `restored` stay):
 * what is not restored, and what to do about it, is always kept whole.
 */
function fitCause(report: RollbackReport): string {
  let cause = JSON.stringify(report);
  if (cause.length <= MAX_CAUSE) return cause;
  const cleanupActions = new Set(['delete-intermediate-snapshot', 'tag-rolled-back']);
  const lean = { ...report, actions: report.actions.filter((a) => !cleanupActions.has(a.action)), actionsShortened: true };
  cause = JSON.stringify(lean);
  if (cause.length <= MAX_CAUSE) return cause;
  const devices = report.devices.map((d) => (d.restored ? { device: d.device, originalVolumeId: d.originalVolumeId, newVolumeId: d.newVolumeId, restored: true } : d));
  return JSON.stringify({ ...lean, actions: [], devices });
}

function failureOf(event: FinishRollbackEvent): { Error: string; Cause: string } {
  if (event.error?.Error) return { Error: event.error.Error, Cause: event.error.Cause ?? '' };
  const failedPoll = Object.values(event.polls ?? {}).find((p) => p.status === 'error' && p.error);
  return failedPoll?.error ?? { Error: 'Unknown', Cause: 'no error was recorded' };
}
