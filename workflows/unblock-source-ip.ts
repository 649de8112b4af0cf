import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.unblockSourceIp;

/** One Lambda per task. */
export const UNBLOCK_SOURCE_IP_TASKS = [
  'validate-unblock-input', 'plan-unblock', 'remove-blocks', 'verify-unblocked', 'stop-block-executions', 'build-unblock-report',
] as const;
export type UnblockSourceIpTask = (typeof UNBLOCK_SOURCE_IP_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planUnblock: 'PlanUnblock',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  removeBlocks: 'RemoveBlocks',
  verifyUnblocked: 'VerifyUnblocked',
  stopBlockExecutions: 'StopBlockExecutions',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Removes NACL DENY entries block-source-ip added, early or when they expire, and verifies they are gone. Start it with',
  '{"blockExecution": "block-source-ip-account-20261127T112615Z"} or {"cidrs": ["203.0.113.7/32"], "naclIds": ["acl-0123456789abcdef0"]}',
  '(schema: docs/schemas/unblock-source-ip.json; try "mode": "plan" first).',
].join(' ');

export function buildUnblockSourceIpDefinition(scope: Construct, fns: Record<UnblockSourceIpTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-unblock-input'], preflight: fns['plan-unblock'], buildReport: fns['build-unblock-report'],
    preflightState: States.planUnblock,
    work: { removed: { removed: [] }, blockExecutions: [] },
    apply: (report) => {
      // Once the removal is verified: a block execution none of whose entries remain stops waiting for its expiry.
      const stop = lambdaTask(scope, States.stopBlockExecutions, fns['stop-block-executions'], {
        payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan' }, resultPath: '$.work.blockExecutions',
      }).next(report);
      const verify = lambdaTask(scope, States.verifyUnblocked, fns['verify-unblocked'], { payload: { 'unblock.$': '$.plan' }, resultPath: '$.work.verified' }).next(stop);
      return { otherwise: lambdaTask(scope, States.removeBlocks, fns['remove-blocks'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.removed' }).next(verify) };
    },
  });
}
