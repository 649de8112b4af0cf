import { logger } from '../lib/logger';
import { reportAction, reportHeader } from '../lib/report';
import { TAG } from '../lib/tags';
import type { WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { DeleteResult, Deletion, ExpiryPlan, ExpiryRunContext, Refusal } from './lib/types';

export interface BuildExpiryReportEvent extends ExpiryRunContext {
  plan: ExpiryPlan;
  work: { deleted: DeleteResult };
}

export interface ExpiryReport extends WorkflowReport {
  /** Plan mode: what apply would delete, each with why it is safe and its description. */
  wouldDelete?: Deletion[];
  /** Kept although due, each with its reason: at planning, or on the re-read just before the delete. */
  refused: Refusal[];
  deferred: string[];
  notYetDue: ExpiryPlan['notYetDue'];
  omitted?: ExpiryPlan['omitted'];
  /** What this workflow never deletes yet, said in every report. */
  forensicSnapshots: string;
}

export const FORENSIC_NOTE = `Snapshots tagged ${TAG.case} (forensic, isolate-instance) are deleted only once their case is closed: close-case `
  + `tags them ${TAG.caseClosed} and ${TAG.retainUntil}, and they go after that date unless on hold. An open case's snapshots are listed `
  + 'under refused when they carry a retain-until that has passed.';

/**
 * The report: one action per deletion with the resource's full description before it (tags included) and why it
 * was safe, every refusal with its reason, what was deferred and what is not due yet. A run that deleted nothing
 * (all gone already, or refused on the re-read) is NO_ACTION.
 */
export const handler = async ({ request, execution, plan, work }: BuildExpiryReportEvent): Promise<ExpiryReport> => {
  const planned = new Map(plan.delete.map((d) => [d.resourceId, d]));
  const actions = work.deleted.deleted.map((d) => {
    const p = planned.get(d.resourceId);
    return reportAction(`delete-${d.resourceType}`, d.resourceId, d.at,
      { kind: p?.kind, retainUntil: p?.retainUntil, why: p?.why, description: p?.before }, { state: d.result });
  });
  const header = reportHeader(WORKFLOW.expireRetained, plan.region, request, execution, plan.outcome);
  const deletedNow = work.deleted.deleted.some((d) => d.result === 'deleted');
  const report: ExpiryReport = {
    ...header,
    outcome: header.outcome === 'REMEDIATED' && !deletedNow ? 'NO_ACTION' : header.outcome,
    actions,
    ...(plan.outcome === 'PLANNED' ? { wouldDelete: plan.delete } : {}),
    refused: [...plan.refused, ...work.deleted.refused],
    deferred: plan.deferred,
    notYetDue: plan.notYetDue,
    ...(plan.omitted ? { omitted: plan.omitted } : {}),
    forensicSnapshots: FORENSIC_NOTE,
  };
  logger.info('report', { outcome: report.outcome, actions: actions.length, refused: report.refused.length });
  return report;
};
