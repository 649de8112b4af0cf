import type { ApprovalRecord } from '../approval/verify-approver';
import { reportAction, reportHeader } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { StepRecord } from './lib/case-store';
import type { IsolationPlan } from './lib/plan';
import type { IsolateInput } from './lib/schema';
import type { Restored } from './lib/restore';
import type { ForensicSnapshots } from './snapshot-instance';
import type { KeyRotationStart } from './start-key-rotation';
import type { IsolationVerified } from './verify-isolation';

type Steps = { steps: StepRecord[] };

export interface BuildIsolateReportEvent {
  request: IsolateInput;
  execution: ExecutionFacts;
  plan: IsolationPlan;
  work: {
    snapshots?: ForensicSnapshots; protected?: Steps; removed?: Steps; untracked?: StepRecord[]; isolated?: StepRecord[];
    profile?: Steps; block?: Steps; tagged?: Steps; restored?: { restored: Restored[] };
    verified?: IsolationVerified; approval?: ApprovalRecord;
  };
}

export interface IsolateReport extends WorkflowReport {
  caseId: string;
  /** The instance's key pair: rotate-key-pair rotates it (rotateKeyPair: true starts it after the lock is released). */
  keyPair: { name: string; rotation: string } | null;
  /** rotateKeyPair, isolated and verified: what the step after ReleaseLock starts (`started` once it has). */
  keyRotation?: { start: KeyRotationStart; started?: { executionArn: string; name: string; keyName: string } };
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

function rotationOf(plan: IsolationPlan, applied: boolean): string {
  if (!plan.keyRotation) return `not rotated here: start rotate-key-pair for ${plan.instanceId}, or rotate ${plan.keyName} by hand`;
  return `${applied ? 'starts' : 'would start'} rotate-key-pair ${plan.keyRotation.name} once the lock is released; release does not undo it`;
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
    keyPair: plan.keyName ? { name: plan.keyName, rotation: rotationOf(plan, applied) } : null,
    ...(applied && plan.action === 'isolate' && plan.keyRotation && plan.keyName
      ? { keyRotation: { start: { caseId: plan.caseId, instanceId: plan.instanceId, keyName: plan.keyName, name: plan.keyRotation.name } } } : {}),
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
      ...(work.restored?.restored ?? []).map((r) => reportAction(r.action, r.resourceId, r.at)),
    ],
  };
};
