import { TAG } from '../lib/tags';
import { WORKFLOW } from '../lib/workflow-names';
import type { EncryptVolumesInput } from './lib/schema';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import type { Plan, VolumeWork } from './lib/types';
import type { InstanceChange } from '../instance/stop-instance';
import type { SwapState } from './swap-volume';
import type { CleanupResult } from './cleanup-created';
import type { Verification } from './verify-swap';
import type { InitializationReport } from './volume-initialization';
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
    cleanup?: Partial<CleanupResult>;
    /** The cleanup failed after a verified swap: reported, never a reason to roll the swap back. */
    cleanupError?: { Error?: string; Cause?: string };
    /** The final start kept failing after a verified swap (InstanceNotRestartedError). */
    startError?: { Error?: string; Cause?: string };
    /** Who approved (input approval: true), verified by RequestApprovalVerifyApprover. */
    approval?: ApprovalRecord;
    /** volume-copy: the copies' initialization as read right after the swap (ReadVolumeInitialization). */
    initialization?: InitializationReport;
    initializationError?: { Error?: string; Cause?: string };
  };
}

/** A verified swap whose instance could not be started again: what was done, and what a person does next. */
export interface NotRestarted {
  instanceId: string;
  instanceState: 'stopped';
  error: { Error: string; Cause: string };
  volumesEncryptedAndVerified: true;
  originalsRetained: string[];
  whatToDo: string;
}

export interface Report extends WorkflowReport {
  plan: { volumes: { volumeId: string; device: string; sizeGiB: number; volumeType: string }[]; alreadyEncrypted: string[]; needsStop: boolean; kmsKeyArn: string };
  verification?: Verification;
  cleanup?: { deleted: string[]; kept: string[]; tagged: string[]; unsettled: string[]; error?: { Error: string; Cause: string } };
  notRestarted?: NotRestarted;
  approval?: ApprovalRecord;
  /**
   * volume-copy: the copies initialize in the background at reduced performance. The first read (after the swap)
   * is here; after the lock is released the workflow replaces it with each later read (CheckVolumeInitialization),
   * so the execution's output carries the last one.
   */
  initialization?: InitializationReport | { error: { Error: string; Cause: string } };
  /** Set by the state machine when a later read kept failing: the follow-up ended there (the remediation succeeded). */
  initializationFollowError?: { Error: string; Cause: string };
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
    actions: outcome === 'REMEDIATED' ? actionsOf(request, plan, work) : [],
  };
  if (work.verification) report.verification = work.verification;
  if (work.cleanup?.deleted || work.cleanupError?.Error) {
    report.cleanup = {
      deleted: work.cleanup?.deleted ?? [], kept: work.cleanup?.kept ?? [], tagged: work.cleanup?.tagged ?? [], unsettled: work.cleanup?.unsettled ?? [],
      ...(work.cleanupError?.Error ? { error: { Error: work.cleanupError.Error, Cause: work.cleanupError.Cause ?? '' } } : {}),
    };
  }
  if (work.startError?.Error) {
    const instanceId = plan.instance.instanceId;
    report.notRestarted = {
      instanceId,
      instanceState: 'stopped',
      error: { Error: work.startError.Error, Cause: work.startError.Cause ?? '' },
      volumesEncryptedAndVerified: true,
      originalsRetained: (work.swaps ?? []).map((s) => s.volumeId),
      whatToDo: `start ${instanceId} when EC2 has capacity (aws ec2 start-instances --instance-ids ${instanceId}); its volumes are already encrypted and verified, do not run the remediation again`,
    };
  }
  if (work.approval) report.approval = work.approval;
  if (work.initialization) report.initialization = work.initialization;
  else if (work.initializationError?.Error) report.initialization = { error: { Error: work.initializationError.Error, Cause: work.initializationError.Cause ?? '' } };
  return report;
};

function actionsOf(request: EncryptVolumesInput, plan: Plan, work: BuildReportEvent['work']): ReportAction[] {
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
        ...(request.strategy === 'volume-copy' ? { copiedFromVolume: swap.volumeId } : { fromSnapshot: volume?.finalCopyId ?? volume?.finalSnapshotId }),
        originalRetained: { [TAG.replacedBy]: swap.newVolumeId },
      },
      at: swap.at,
    });
  }
  if (work.start && !work.startError) {
    actions.push({ action: 'start-instance', resourceId: instanceId, before: { state: 'stopped' }, after: { state: 'running' }, at: work.start.at });
  }
  for (const id of work.cleanup?.deleted ?? []) {
    actions.push({ action: 'delete-intermediate-snapshot', resourceId: id, at: work.verification?.verifiedAt ?? new Date().toISOString() });
  }
  return actions;
}
