import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import type { EncryptVolumesInput } from './lib/schema';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import type { Plan, VolumeWork } from './lib/types';
import type { InstanceChange } from '../instance/stop-instance';
import type { SwapState } from './swap-volume';
import type { CleanupResult } from './delete-intermediate-snapshots';
import type { Verification } from './verify-swap';
import { reportHeader, reportOutcome } from '../lib/report';
import type { ApprovalRecord } from '../approval/verify-approver';

export interface BuildReportEvent {
  request: EncryptVolumesInput;
  execution: ExecutionFacts;
  plan: Plan;
  work: {
    volumes?: VolumeWork[];
    stop?: InstanceChange;
    swaps?: SwapState[];
    verification?: Verification;
    start?: InstanceChange;
    cleanup?: CleanupResult;
    /** Who approved (input approval: true), verified by RequestApprovalVerifyApprover. */
    approval?: ApprovalRecord;
  };
}

export interface Report extends WorkflowReport {
  plan: { volumes: { volumeId: string; device: string; sizeGiB: number; volumeType: string }[]; alreadyEncrypted: string[]; needsStop: boolean; kmsKeyArn: string };
  verification?: Verification;
  approval?: ApprovalRecord;
}

/** The execution's output: what was planned, what changed (before/after) and the verify result. */
export const handler = async ({ request, execution, plan, work }: BuildReportEvent): Promise<Report> => {
  const outcome = reportOutcome(plan.outcome);
  const report: Report = {
    ...reportHeader(WORKFLOW.encryptVolumes, plan.instance.instanceId, request, execution, plan.outcome),
    plan: {
      volumes: plan.volumes.map((v) => ({ volumeId: v.volumeId, device: v.device, sizeGiB: v.sizeGiB, volumeType: v.volumeType })),
      alreadyEncrypted: plan.alreadyEncrypted,
      needsStop: plan.needsStop,
      kmsKeyArn: plan.kmsKeyArn,
    },
    actions: outcome === 'REMEDIATED' ? actionsOf(plan, work) : [],
  };
  if (work.verification) report.verification = work.verification;
  if (work.approval) report.approval = work.approval;
  return report;
};

function actionsOf(plan: Plan, work: BuildReportEvent['work']): ReportAction[] {
  const actions: ReportAction[] = [];
  const instanceId = plan.instance.instanceId;
  if (work.stop) {
    actions.push({ action: 'stop-instance', resourceId: instanceId, before: { state: work.stop.previousState }, after: { state: 'stopped' }, at: work.stop.at });
  }
  for (const swap of work.swaps ?? []) {
    const volume = work.volumes?.find((v) => v.volumeId === swap.volumeId);
    actions.push({
      action: 'replace-volume',
      resourceId: swap.volumeId,
      before: { volumeId: swap.volumeId, device: swap.device, encrypted: false },
      after: {
        volumeId: swap.newVolumeId,
        device: swap.device,
        encrypted: true,
        kmsKeyId: plan.kmsKeyArn,
        fromSnapshot: volume?.finalCopyId ?? volume?.finalSnapshotId,
        originalRetained: { [TAG.replacedBy]: swap.newVolumeId },
      },
      at: swap.at,
    });
  }
  if (work.start) {
    actions.push({ action: 'start-instance', resourceId: instanceId, before: { state: 'stopped' }, after: { state: 'running' }, at: work.start.at });
  }
  for (const id of work.cleanup?.deleted ?? []) {
    actions.push({ action: 'delete-intermediate-snapshot', resourceId: id, at: work.verification?.verifiedAt ?? new Date().toISOString() });
  }
  return actions;
}
