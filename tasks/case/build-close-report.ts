import type { ApprovalRecord } from '../approval/verify-approver';
import { logger } from '../lib/logger';
import { reportAction, reportHeader } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { CloseResult } from './close-snapshots';
import type { CaseSnapshot, ClosurePlan } from './lib/closure';
import type { CloseCaseInput } from './lib/schema';

export interface CloseCaseReport extends WorkflowReport {
  caseId: string;
  /** Why it was closed, as given: with the execution's trigger (who started it), the audit record of the closure. */
  reason: string;
  /** When this execution closed the case (apply, with something marked). */
  closedAt?: string;
  /** plan mode: what apply would mark. */
  wouldClose?: CaseSnapshot[];
  alreadyClosed: CaseSnapshot[];
  held: CaseSnapshot[];
  skipped: CloseResult['skipped'];
  /** force: the contain-principal case still in force when it was closed. */
  principalStillContained?: string;
  approval?: ApprovalRecord;
}

export interface BuildCloseReportEvent {
  request: CloseCaseInput;
  execution: ExecutionFacts;
  plan: ClosurePlan;
  work: { closed: CloseResult; approval?: ApprovalRecord };
}

/** The execution's output: one `close-case-snapshot` action per snapshot marked, with its tags before and after. */
export const handler = async ({ request, execution, plan, work }: BuildCloseReportEvent): Promise<CloseCaseReport> => {
  const header = reportHeader(WORKFLOW.closeCase, plan.target, request, execution, plan.outcome);
  const actions = work.closed.closed.map((c) => reportAction('close-case-snapshot', c.snapshotId, c.at, { ...c.before }, { ...c.after }));
  const report: CloseCaseReport = {
    ...header,
    outcome: header.outcome === 'REMEDIATED' && actions.length === 0 ? 'NO_ACTION' : header.outcome,
    actions,
    caseId: plan.caseId,
    reason: request.reason,
    ...(actions.length > 0 ? { closedAt: work.closed.closedAt } : {}),
    ...(plan.outcome === 'PLANNED' ? { wouldClose: plan.toClose } : {}),
    alreadyClosed: plan.alreadyClosed,
    held: plan.held,
    skipped: work.closed.skipped,
    ...(plan.principalStillContained ? { principalStillContained: plan.principalStillContained } : {}),
    ...(work.approval ? { approval: work.approval } : {}),
  };
  logger.info('report', { outcome: report.outcome, closed: actions.length });
  return report;
};
