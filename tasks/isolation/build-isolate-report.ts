import type { ApprovalRecord } from '../approval/verify-approver';
import { reportAction, reportHeader } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { STEP, type StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import type { IsolateInput } from './lib/schema';
import type { Restored } from './lib/restore';
import type { ForensicSnapshots } from './snapshot-instance';
import type { KeyRotationResult } from './record-key-rotation';
import type { IsolationVerified } from './verify-isolation';

type Steps = { steps: StepRecord[] };

export interface BuildIsolateReportEvent {
  request: IsolateInput;
  execution: ExecutionFacts;
  plan: IsolationPlan;
  work: {
    snapshots?: ForensicSnapshots; protected?: Steps; removed?: Steps; untracked?: StepRecord[]; isolated?: StepRecord[];
    profile?: Steps; block?: Steps; tagged?: Steps; restored?: { restored: Restored[] }; keyRotation?: { result?: KeyRotationResult };
    verified?: IsolationVerified; approval?: ApprovalRecord;
  };
}

export interface IsolateReport extends WorkflowReport {
  caseId: string;
  /** The instance's key pair, and what became of its rotation (in words). */
  keyPair: { name: string; rotation: string } | null;
  /** rotateKeyPair on an SSM-managed instance: the rotate-key-pair child that ran under the handed-over lock, and its ending. */
  keyRotation?: KeyRotationResult;
  /** rotateKeyPair where SSM cannot reach the instance: no child ran; the steps a person takes. */
  manualKeyRotation?: { reason: string; steps: string[] };
  /** plan mode: every step apply would take. */
  planned?: string[];
  reason?: string;
  forensicSnapshots?: string[];
  consoleOutput?: ForensicSnapshots['consoleOutput'];
  /** What release keeps, and why. */
  kept?: string[];
  releaseWith?: { release: { caseId: string }; instanceId: string };
  verified?: IsolationVerified;
  approval?: ApprovalRecord;
}

/** What became of the key pair's rotation, in words: what the child did, or why there was none. */
function rotationOf(plan: IsolationPlan, result: KeyRotationResult | undefined): string {
  if (plan.manualKeyRotation) return `not rotated: ${plan.manualKeyRotation.reason}; a person rotates it (manualKeyRotation.steps)`;
  if (!plan.keyRotation) return `not rotated here: start rotate-key-pair for ${plan.instanceId}, or rotate ${plan.keyName} by hand`;
  const { name } = plan.keyRotation;
  if (!result) return `${plan.outcome === 'PLANNED' ? 'would hand' : 'hands'} the lock to rotate-key-pair ${name} before the empty group, while SSM reaches the instance; release does not undo it`;
  if (result.status === 'SUCCEEDED' && result.outcome === 'REMEDIATED') {
    return `rotated by rotate-key-pair ${name} before the empty group${result.newKeyName ? ` (new key pair ${result.newKeyName})` : ''}; the old key pair is deleted, release does not undo it`;
  }
  if (result.status === 'SUCCEEDED') return `rotate-key-pair ${name} changed nothing (${result.outcome}${result.reason ? `: ${result.reason}` : ''}); ${plan.keyName} stays`;
  return `NOT rotated: rotate-key-pair ${name} ended ${result.status}${result.error ? ` (${result.error})` : ''} and undid its own changes; ${plan.keyName} stays `
    + 'and the isolation went on: rotate it after release, or by hand';
}

/** The execution's output: each step as recorded (before/after), the key pair, what is kept and how to release. */
export const handler = async ({ request, execution, plan, work }: BuildIsolateReportEvent): Promise<IsolateReport> => {
  const header = reportHeader(WORKFLOW.isolateInstance, plan.target, request, execution, plan.outcome);
  const steps = [
    ...[work.protected, work.removed].flatMap((s) => s?.steps ?? []), ...(work.untracked ?? []), ...(work.isolated ?? []),
    ...[work.profile, work.block, work.tagged].flatMap((s) => s?.steps ?? []),
  ];
  const applied = header.outcome === 'REMEDIATED';
  const snapshots = work.verified?.snapshotIds ?? work.snapshots?.snapshotIds;
  return {
    ...header,
    caseId: plan.caseId,
    keyPair: plan.keyName ? { name: plan.keyName, rotation: rotationOf(plan, work.keyRotation?.result) } : null,
    ...(work.keyRotation?.result ? { keyRotation: work.keyRotation.result } : {}),
    ...(plan.manualKeyRotation && plan.action === 'isolate' ? { manualKeyRotation: plan.manualKeyRotation } : {}),
    ...(plan.outcome === 'PLANNED' ? { planned: plan.steps } : {}),
    ...(plan.reason ? { reason: plan.reason } : {}),
    ...(snapshots ? { forensicSnapshots: snapshots } : {}),
    ...(work.snapshots ? { consoleOutput: work.snapshots.consoleOutput } : {}),
    ...(applied ? {
      kept: ['forensic snapshots (until close-case closes the case)',
        "the session deny on the profile's role (credentials issued before the isolation may still be in use elsewhere)"],
    } : {}),
    ...(applied && plan.action === 'isolate' ? { releaseWith: { release: { caseId: plan.caseId }, instanceId: plan.instanceId } } : {}),
    ...(work.verified ? { verified: work.verified } : {}),
    ...(work.approval ? { approval: work.approval } : {}),
    actions: [
      ...steps.map((s) => reportAction(s.action, s.resourceId, s.at, s.before, s.after)),
      ...(work.keyRotation?.result?.at && plan.keyName ? [reportAction(STEP.rotateKeyPair, plan.keyName, work.keyRotation.result.at, undefined, {
        executionArn: work.keyRotation.result.executionArn, status: work.keyRotation.result.status, outcome: work.keyRotation.result.outcome,
      })] : []),
      ...(work.restored?.restored ?? []).map((r) => reportAction(r.action, r.resourceId, r.at)),
    ],
  };
};
