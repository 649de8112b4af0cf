import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.expireRetained;

/** One Lambda per task. */
export const EXPIRE_RETAINED_TASKS = ['validate-input', 'plan-expiry', 'delete-expired', 'verify-expired', 'build-expiry-report'] as const;
export type ExpireRetainedTask = (typeof EXPIRE_RETAINED_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planExpiry: 'PlanExpiry',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  deleteExpired: 'DeleteExpired',
  verifyDeleted: 'VerifyDeleted',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Deletes what remediations retained (encrypt-volumes\' original volumes, what a rollback kept) once its remediation:retain-until',
  'has passed, after safety checks per resource; anything tagged remediation:hold=true is kept. Runs daily from its schedule;',
  'start it by hand with {"mode": "plan"} to see what it would delete and what it refuses, and why (schema: docs/schemas/expire-retained.json).',
].join(' ');

/**
 * ValidateInput -> lock (<account>/<region>/expire-retained) -> PlanExpiry -> InitWork -> RouteByPlan
 *   -> NO_ACTION / PLANNED: BuildReport
 *   -> DeleteExpired (judges the account again, deletes what is still safe) -> VerifyDeleted -> BuildReport.
 * A deletion cannot be undone: a failure ends the execution with its error (the lock released), and what
 * was deleted before it shows in CloudTrail and is found gone by the next run.
 */
export function buildExpireRetainedDefinition(scope: Construct, fns: Record<ExpireRetainedTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-input'], preflight: fns['plan-expiry'], buildReport: fns['build-expiry-report'],
    preflightState: States.planExpiry,
    work: { deleted: { deleted: [], refused: [] } },
    apply: (report) => {
      const verify = lambdaTask(scope, States.verifyDeleted, fns['verify-expired'], { payload: { 'deleted.$': '$.work.deleted' }, resultPath: '$.work.verified' });
      verify.next(report);
      const remove = lambdaTask(scope, States.deleteExpired, fns['delete-expired'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.deleted' });
      remove.next(verify);
      return { otherwise: remove };
    },
  });
}
