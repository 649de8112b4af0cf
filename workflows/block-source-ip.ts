import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.blockSourceIp;

/** One Lambda per task. */
export const BLOCK_SOURCE_IP_TASKS = [
  'validate-block-input', 'plan-block', 'apply-blocks', 'verify-blocks', 'build-block-report', 'start-block-expiry', 'undo-blocks', 'request-approval', 'verify-approver',
] as const;
export type BlockSourceIpTask = (typeof BLOCK_SOURCE_IP_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planBlock: 'PlanBlock',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  applyBlocks: 'ApplyBlocks',
  verifyBlocks: 'VerifyBlocks',
  undoBlocks: 'UndoBlocks', blockRolledBack: 'BlockRolledBack', undoFailed: 'UndoFailed',
  buildReport: SkeletonStates.buildReport,
  releaseLock: SkeletonStates.releaseLock,
  routeByExpiry: 'RouteByExpiry',
  waitUntilExpiry: 'WaitUntilExpiry',
  startExpiry: 'StartExpiry',
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Denies source addresses with NACL DENY entries (rule numbers 1-99, below the first ALLOW) on the NACLs of subnets or an',
  "instance's subnets, and removes them by itself when they expire. Start it with input such as",
  '{"cidrs": ["203.0.113.7/32", "2001:db8::/64"], "subnetIds": ["subnet-0123456789abcdef0"], "durationMinutes": 1440}',
  '(schema: docs/schemas/block-source-ip.json; try "mode": "plan" first). unblock-source-ip removes a block early.',
].join(' ');

/**
 * ... -> BuildReport -> ReleaseLock -> RouteByExpiry -> WaitUntilExpiry -> StartExpiry -> Done. The expiry is a Wait in
 * the same execution, after the lock is released: the execution's history holds the block and its removal.
 */
export function buildBlockSourceIpDefinition(scope: Construct, fns: Record<BlockSourceIpTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  const done = new sfn.Succeed(scope, States.done);
  const startExpiry = lambdaTask(scope, States.startExpiry, fns['start-block-expiry'], {
    payload: { 'executionName.$': '$$.Execution.Name', 'executionArn.$': '$$.Execution.Id' }, resultPath: '$.expiry.removal',
  }).next(done);
  const wait = new sfn.Wait(scope, States.waitUntilExpiry, { time: sfn.WaitTime.timestampPath('$.expiry.wakeAt') }).next(startExpiry);
  const afterRelease = new sfn.Choice(scope, States.routeByExpiry)
    .when(sfn.Condition.isPresent('$.expiry.wakeAt'), wait)
    .otherwise(done);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    afterRelease,
    validateInput: fns['validate-block-input'], preflight: fns['plan-block'], buildReport: fns['build-block-report'],
    preflightState: States.planBlock,
    work: { applied: { created: [], extended: [], evicted: [] } },
    approval: {
      requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target',
      comparePlans: kit.comparePlans, requiredPath: '$.plan.approvalRequired',
    },
    apply: (report) => {
      // A failure after the first change: remove what this execution added, put back the expiries it moved, then fail.
      const undoFailed = new sfn.Fail(scope, States.undoFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.undoError.Cause' });
      const undo = lambdaTask(scope, States.undoBlocks, fns['undo-blocks'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, resultPath: '$.work.undo',
      });
      undo.addCatch(undoFailed, { resultPath: '$.work.undoError' })
        .next(new sfn.Fail(scope, States.blockRolledBack, { errorPath: '$.work.undo.error', causePath: '$.work.undo.cause' }));
      const verify = lambdaTask(scope, States.verifyBlocks, fns['verify-blocks'], { payload: { 'block.$': '$.plan' }, resultPath: '$.work.verified' });
      verify.addCatch(undo, { resultPath: '$.work.error' }).next(report);
      const apply = lambdaTask(scope, States.applyBlocks, fns['apply-blocks'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution' }, resultPath: '$.work.applied',
      });
      apply.addCatch(undo, { resultPath: '$.work.error' }).next(verify);
      return { otherwise: apply };
    },
  });
}
