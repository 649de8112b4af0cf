import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.enableCloudTrail;

/** One Lambda per task. */
export const ENABLE_CLOUDTRAIL_TASKS = [
  'validate-input', 'preflight', 'ensure-trail', 'start-logging', 'put-event-selectors', 'verify-trail', 'build-report',
] as const;
export type EnableCloudTrailTask = (typeof ENABLE_CLOUDTRAIL_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  ensureTrail: 'EnsureTrail',
  startLogging: 'StartLogging',
  putEventSelectors: 'PutEventSelectors',
  verifyTrail: 'VerifyTrail',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Ensures a multi-region CloudTrail trail that logs, with global service events and log file validation, and adds',
  'S3 data-event selectors without dropping the ones the trail has. Start it with input such as',
  '{"dataEventBuckets": ["my-bucket"]} (schema: docs/schemas/enable-cloudtrail.json; try "mode": "plan" first).',
].join(' ');

/**
 * ValidateInput -> Preflight -> (NO_ACTION/PLANNED: BuildReport) | EnsureTrail (create/update) -> StartLogging
 * -> PutEventSelectors -> VerifyTrail -> BuildReport. There is no rollback: each step makes the account more
 * compliant and is idempotent, so a failed run ends FAILED with its error and is simply run again.
 */
export function buildEnableCloudTrailDefinition(scope: Construct, fns: Record<EnableCloudTrailTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  const trailName = { 'trailName.$': '$.plan.trail.name' };
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-input'], preflight: fns.preflight, buildReport: fns['build-report'],
    work: {},
    apply: (report) => {
      const verifyTrail = lambdaTask(scope, States.verifyTrail, fns['verify-trail'], {
        payload: { ...trailName, 'desired.$': '$.plan.desired', 'dataEventBuckets.$': '$.plan.dataEventBuckets', 'selectorsBefore.$': '$.work.selectors.before' },
        resultPath: '$.work.verification',
      }).next(report);
      const putEventSelectors = lambdaTask(scope, States.putEventSelectors, fns['put-event-selectors'], {
        payload: { ...trailName, 'dataEventBuckets.$': '$.plan.dataEventBuckets' },
        resultPath: '$.work.selectors',
      }).next(verifyTrail);
      const startLogging = lambdaTask(scope, States.startLogging, fns['start-logging'], { payload: trailName, resultPath: '$.work.logging' })
        .next(putEventSelectors);
      const ensureTrail = lambdaTask(scope, States.ensureTrail, fns['ensure-trail'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution' }, resultPath: '$.work.trail',
      }).next(startLogging);
      return { routes: [[sfn.Condition.stringEquals('$.plan.trailAction', 'none'), startLogging]], otherwise: ensureTrail };
    },
  });
}
