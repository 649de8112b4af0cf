import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.refreshAmi;

/** One Lambda per task. */
export const REFRESH_AMI_TASKS = [
  'validate-refresh-ami-input', 'plan-refresh-ami', 'create-image', 'check-image', 'verify-image', 'cleanup-image', 'build-refresh-ami-report',
] as const;
export type RefreshAmiTask = (typeof REFRESH_AMI_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planRefreshAmi: 'PlanRefreshAmi',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  createImage: 'CreateImage',
  imageNotTaken: 'ImageNotTaken',
  checkImage: 'CheckImage',
  routeImageState: 'RouteImageState',
  waitForImage: 'WaitForImage',
  describeImageFailure: 'DescribeImageFailure',
  verifyImage: 'VerifyImage',
  cleanupImage: 'CleanupImage',
  imageCleanedUp: 'ImageCleanedUp',
  cleanupFailed: 'CleanupFailed',
  buildReport: SkeletonStates.buildReport,
  releaseLock: SkeletonStates.releaseLock,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'AMI backup and freshness. {"action": "backup", "instanceId": "i-0123456789abcdef0"} takes an image (CreateImage; EC2 reboots a running',
  'instance unless "noReboot": true with "acknowledgeCrashConsistent": true), waits until it is available and cleans it up if it fails.',
  '{"action": "report", "allInstances": true} lists instances whose AMI is old, deprecated, deregistered or not the latest of its family.',
  'It never replaces instances (a launch template does). Schema: docs/schemas/refresh-ami.json; try "mode": "plan" first.',
].join(' ');

/**
 * ... RouteByPlan -> CreateImage -> CheckImage (WaitForImage while pending) -> VerifyImage -> BuildReport.
 * A failed image, an exhausted wait or a failed create -> CleanupImage (deregister, delete its snapshots) -> FAILED.
 * A create refused by its re-check (PlanChangedError, PreconditionFailedError) made nothing: FAILED with that error.
 */
export function buildRefreshAmiDefinition(scope: Construct, fns: Record<RefreshAmiTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-refresh-ami-input'], preflight: fns['plan-refresh-ami'], buildReport: fns['build-refresh-ami-report'],
    preflightState: States.planRefreshAmi,
    work: { poll: {} },
    apply: (report) => {
      const cleanupFailed = new sfn.Fail(scope, States.cleanupFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.cleanupError.Cause' });
      const cleanup = lambdaTask(scope, States.cleanupImage, fns['cleanup-image'], {
        payload: { 'plan.$': '$.plan', 'work.$': '$.work', 'error.$': '$.work.error' }, resultPath: '$.work.cleanup',
      });
      cleanup.addCatch(cleanupFailed, { resultPath: '$.work.cleanupError' })
        .next(new sfn.Fail(scope, States.imageCleanedUp, { errorPath: '$.work.cleanup.error', causePath: '$.work.cleanup.cause' }));
      const pollFailed = new sfn.Pass(scope, States.describeImageFailure, {
        parameters: { 'Error.$': '$.work.poll.error.Error', 'Cause.$': '$.work.poll.error.Cause' }, resultPath: '$.work.error',
      }).next(cleanup);
      const verify = lambdaTask(scope, States.verifyImage, fns['verify-image'], {
        payload: { 'plan.$': '$.plan', 'image.$': '$.work.image' }, resultPath: '$.work.verified',
      }).next(report);
      const loop = pollLoop(scope, { check: States.checkImage, route: States.routeImageState, wait: States.waitForImage }, fns['check-image'],
        { 'image.$': '$.work.image', 'workGiB.$': '$.plan.workGiB', 'poll.$': '$.work.poll' }, '$.work.poll', pollFailed);
      loop.route.otherwise(verify);
      // PollBudgetExceededError and any other failure of the check: the image is cleaned up as well.
      loop.check.addCatch(cleanup, { resultPath: '$.work.error' });
      const create = lambdaTask(scope, States.createImage, fns['create-image'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution' }, resultPath: '$.work.image',
      });
      create.addCatch(new sfn.Fail(scope, States.imageNotTaken, { errorPath: '$.work.error.Error', causePath: '$.work.error.Cause' }), {
        errors: [ErrorNames.planChanged, ErrorNames.preconditionFailed], resultPath: '$.work.error',
      });
      // Any other failure may follow a create that took effect: the cleanup looks the image up by its name.
      create.addCatch(cleanup, { resultPath: '$.work.error' }).next(loop.check);
      return { otherwise: create };
    },
  });
}
