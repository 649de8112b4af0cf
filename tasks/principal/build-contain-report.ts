import type { ApprovalRecord } from '../approval/verify-approver';
import { reportAction, reportHeader } from '../lib/report';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { ChangeRecord } from './lib/case-store';
import type { ContainPlan, KeptKey } from './lib/plan';
import type { ContainInput } from './lib/schema';
import type { RootNotified } from './notify-root';
import type { PrincipalVerified } from './verify-principal';

export interface BuildContainReportEvent {
  request: ContainInput;
  execution: ExecutionFacts;
  plan: ContainPlan;
  work: {
    applied?: { changes: ChangeRecord[] }; released?: { changes: ChangeRecord[]; releasedAt: string }; verified?: PrincipalVerified; notified?: RootNotified;
    approval?: ApprovalRecord;
  };
}

export interface ContainReport extends WorkflowReport {
  caseId: string;
  principal: ContainPlan['principal'];
  /** plan mode: exactly what apply would change. */
  planned?: { deactivateKeys: string[]; sessionPolicy?: string; reactivateKeys?: string[] };
  keptKeys: KeptKey[];
  sessionDenyInForce?: string;
  /** Root: the finding, the steps a person must take, and where they were sent (nothing changed: NO_ACTION). */
  finding?: { kind: 'root-user'; steps: string[]; notified?: RootNotified };
  /**
   * Release: the session deny stays until every session issued before the containment has expired; this
   * execution waits until `removeAt` and then removes it (`removal`, added to the output after the wait).
   */
  sessionDeny?: { policyName: string; removeAt: string; reason: string };
  /** Contain: how to undo it. */
  releaseWith?: { release: { caseId: string } };
  verified?: PrincipalVerified;
  /** Who approved, when the input asked for approval. */
  approval?: ApprovalRecord;
}

const actionOf = (c: ChangeRecord, target: string): ReportAction => reportAction(c.action, `${target}#${c.resourceId}`, c.at,
  c.action.includes('access-key') ? { status: c.action.startsWith('deactivate') ? 'Active' : 'Inactive' } : { present: c.action.startsWith('delete') },
  c.action.includes('access-key') ? { status: c.action.startsWith('deactivate') ? 'Inactive' : 'Active' } : { present: c.action.startsWith('put') });

/** The execution's output: what was changed (from what the tasks recorded), what was kept and why, and how to release. */
export const handler = async ({ request, execution, plan, work }: BuildContainReportEvent): Promise<ContainReport> => {
  const root = plan.action === 'notify-root';
  // Root: nothing is (or can be) changed; the report says so and carries the finding (DESIGN.md outcomes: NO_ACTION).
  const header = reportHeader(WORKFLOW.containPrincipal, plan.target, request, execution, root && plan.outcome === 'PROCEED' ? 'NO_ACTION' : plan.outcome);
  const changes = [...(work.applied?.changes ?? []), ...(work.released?.changes ?? [])];
  const deny = plan.release?.sessionDeny;
  const applied = header.outcome === 'REMEDIATED';
  return {
    ...header,
    caseId: plan.caseId, principal: plan.principal,
    ...(plan.outcome === 'PLANNED' ? { planned: {
      deactivateKeys: plan.changes.deactivateKeys, ...(plan.changes.sessionPolicy ? { sessionPolicy: plan.changes.sessionPolicy.name } : {}),
      ...(plan.release ? { reactivateKeys: plan.release.reactivateKeys } : {}),
    } } : {}),
    keptKeys: plan.keptKeys,
    ...(plan.sessionDenyInForce ? { sessionDenyInForce: plan.sessionDenyInForce } : {}),
    ...(root ? { finding: { kind: 'root-user' as const, steps: plan.rootSteps ?? [], ...(work.notified ? { notified: work.notified } : {}) } } : {}),
    ...(applied && deny?.present ? { sessionDeny: {
      policyName: deny.policyName, removeAt: deny.removeAt,
      reason: `kept until ${deny.removeAt}: sessions issued before the containment live up to ${plan.maxSessionSeconds / 3600} h; this execution removes it then`,
    } } : {}),
    ...(applied && plan.action === 'contain' ? { releaseWith: { release: { caseId: plan.caseId } } } : {}),
    ...(work.verified ? { verified: work.verified } : {}),
    ...(work.approval ? { approval: work.approval } : {}),
    actions: changes.map((c) => actionOf(c, plan.target)),
  };
};
