import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.closeCase;

/** One Lambda per task (tasks/case/<task>.ts, and the approval gate's). */
export const CLOSE_CASE_TASKS = [
  'validate-close-input', 'plan-closure', 'close-snapshots', 'verify-closure', 'build-close-report', 'request-approval', 'verify-approver',
] as const;
export type CloseCaseTask = (typeof CLOSE_CASE_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planClosure: 'PlanClosure',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval,
  closeSnapshots: 'CloseSnapshots',
  verifyClosure: 'VerifyClosure',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Closes a case: tags its forensic snapshots (remediation:case=<caseId>) remediation:case-closed and remediation:retain-until,',
  'so that expire-retained may delete them once that date has passed; refused while an instance of the case is still isolated.',
  'Start it with {"caseId": "case-<event id>", "reason": "why"} (schema: docs/schemas/close-case.json; try "mode": "plan" first).',
].join(' ');

/**
 * ValidateInput -> lock (<account>/<region>/close-case/<caseId>) -> PlanClosure -> InitWork -> RouteByPlan
 *   -> NO_ACTION / PLANNED: BuildReport
 *   -> [approval -> PlanClosure again, compared] -> CloseSnapshots (re-reads, skips what changed) -> VerifyClosure -> BuildReport.
 * Tagging is the only change and is harmless to leave: a failure ends the execution with its error (the lock released),
 * and a re-run finds what was tagged (already closed) and marks the rest.
 */
export function buildCloseCaseDefinition(scope: Construct, fns: Record<CloseCaseTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-close-input'], preflight: fns['plan-closure'], buildReport: fns['build-close-report'],
    preflightState: States.planClosure,
    work: { closed: { closedAt: '', closed: [], skipped: [] } },
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target', comparePlans: kit.comparePlans },
    apply: (report) => {
      const verify = lambdaTask(scope, States.verifyClosure, fns['verify-closure'], { payload: { 'closed.$': '$.work.closed' }, resultPath: '$.work.verified' });
      verify.next(report);
      const close = lambdaTask(scope, States.closeSnapshots, fns['close-snapshots'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.closed' });
      close.next(verify);
      return { otherwise: close };
    },
  });
}
