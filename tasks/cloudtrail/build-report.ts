import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import type { TrailChange } from './ensure-trail';
import type { EnableCloudTrailInput } from './lib/schema';
import type { SelectorState } from './lib/selectors';
import type { CloudTrailPlan } from './lib/trails';
import type { SelectorChange } from './put-event-selectors';
import type { LoggingChange } from './start-logging';
import type { TrailVerification } from './verify-trail';
import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import { WORKFLOW } from '../lib/workflow-names';

export interface BuildReportEvent {
  request: EnableCloudTrailInput;
  execution: ExecutionFacts;
  plan: CloudTrailPlan;
  work: { trail?: TrailChange; logging?: LoggingChange; selectors?: SelectorChange; verification?: TrailVerification };
}

export interface CloudTrailReport extends WorkflowReport {
  plan: { trail: CloudTrailPlan['trail']; reason: string; trailAction: CloudTrailPlan['trailAction']; needsStartLogging: boolean; addedSelectors: string[] };
  /** The trail's event selectors before and after (after = planned, for PLANNED). */
  selectors: { before: SelectorState; after: SelectorState };
  verification?: TrailVerification;
}

/** The execution's output: which trail, what changed (before/after, selectors included) and the verify result. */
export const handler = async ({ request, execution, plan, work }: BuildReportEvent): Promise<CloudTrailReport> => {
  const outcome = reportOutcome(plan.outcome);
  const report: CloudTrailReport = {
    ...reportHeader(WORKFLOW.enableCloudTrail, plan.trail.arn, request, execution, plan.outcome),
    plan: { trail: plan.trail, reason: plan.reason, trailAction: plan.trailAction, needsStartLogging: plan.needsStartLogging, addedSelectors: plan.selectors.added },
    // Before: as preflight read them. After: as verify re-read them (planned, for PLANNED and NO_ACTION).
    selectors: { before: plan.selectors.before, after: work.verification?.selectors ?? work.selectors?.after ?? plan.selectors.after },
    actions: outcome === 'REMEDIATED' ? actionsOf(plan, work) : [],
  };
  if (work.verification) report.verification = work.verification;
  return report;
};

function actionsOf(plan: CloudTrailPlan, work: BuildReportEvent['work']): ReportAction[] {
  const actions: ReportAction[] = [];
  const arn = plan.trail.arn;
  if (work.trail) {
    const { name, s3BucketName, isMultiRegionTrail, includeGlobalServiceEvents, logFileValidationEnabled, kmsKeyId } = work.trail.trail;
    const after = { name, s3BucketName, isMultiRegionTrail, includeGlobalServiceEvents, logFileValidationEnabled, ...(kmsKeyId ? { kmsKeyId } : {}) };
    actions.push(reportAction(`${work.trail.action}-trail`, arn, work.trail.at, work.trail.before ? { ...work.trail.before } : undefined, after));
  }
  // A retried step (its first answer lost) finds its work done: what preflight planned and verify found done counts too.
  const verified = work.verification;
  if (work.logging?.started || (plan.needsStartLogging && verified?.trail.isLogging && work.logging)) {
    actions.push({ action: 'start-logging', resourceId: arn, before: { isLogging: false }, after: { isLogging: true }, at: work.logging?.at ?? '' });
  }
  if (work.selectors && (work.selectors.changed || (plan.selectors.changed && verified))) {
    actions.push({
      action: 'put-event-selectors', resourceId: arn,
      before: { ...plan.selectors.before }, after: { ...(verified?.selectors ?? work.selectors.after), added: plan.selectors.added }, at: work.selectors.at,
    });
  }
  return actions;
}
