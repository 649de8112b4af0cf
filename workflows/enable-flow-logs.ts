import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.enableFlowLogs;

/** One Lambda per task. */
export const ENABLE_FLOW_LOGS_TASKS = [
  'validate-flow-logs-input', 'plan-flow-logs', 'create-flow-log', 'check-flow-logs', 'remove-created-flow-logs', 'build-flow-logs-report',
] as const;
export type EnableFlowLogsTask = (typeof ENABLE_FLOW_LOGS_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planFlowLogs: 'PlanFlowLogs',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  createFlowLogs: 'CreateFlowLogs', createFlowLog: 'CreateFlowLog',
  checkFlowLogs: 'CheckFlowLogs', routeFlowLogs: 'RouteFlowLogs', waitFlowLogs: 'WaitFlowLogs',
  recordVerificationError: 'RecordVerificationError',
  removeCreatedFlowLogs: 'RemoveCreatedFlowLogs',
  flowLogsFailed: 'FlowLogsFailed',
  cleanupFailed: 'CleanupFailed',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Enables VPC flow logs on VPCs lacking an ACTIVE one to the requested kind of destination (the stack\'s S3 bucket',
  'or KMS-encrypted log group), then verifies each delivers. Start it with input such as',
  '{"vpcIds": ["vpc-0123456789abcdef0"], "destination": "s3"} or {"allVpcs": true, "destination": "cloud-watch-logs"}',
  '(schema: docs/schemas/enable-flow-logs.json; try "mode": "plan" first).',
].join(' ');

/**
 * One VPC at a time. When one iteration fails, Step Functions does not wait for the others in
 * flight: a flow log created after the cleanup read the account would be left behind. Creating
 * a flow log takes about a second, so this costs little and keeps the cleanup exact.
 */
export const MAP_CONCURRENCY = 1;

export function buildEnableFlowLogsDefinition(scope: Construct, fns: Record<EnableFlowLogsTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-flow-logs-input'], preflight: fns['plan-flow-logs'], buildReport: fns['build-flow-logs-report'],
    preflightState: States.planFlowLogs,
    work: { verification: {} },
    apply: (report) => {
      // Any failure after the first change: delete what this execution created, then fail with the original error.
      const cleanupFailed = new sfn.Fail(scope, States.cleanupFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.cleanupError.Cause' });
      const flowLogsFailed = new sfn.Fail(scope, States.flowLogsFailed, { errorPath: '$.work.cleanup.error', causePath: '$.work.cleanup.cause' });
      const removeCreated = lambdaTask(scope, States.removeCreatedFlowLogs, fns['remove-created-flow-logs'], {
        payload: { 'executionName.$': '$.execution.name', 'error.$': '$.work.error' }, resultPath: '$.work.cleanup',
      });
      removeCreated.addCatch(cleanupFailed, { resultPath: '$.work.cleanupError' }).next(flowLogsFailed);
      const recordVerificationError = new sfn.Pass(scope, States.recordVerificationError, {
        parameters: { 'Error.$': '$.work.verification.error.Error', 'Cause.$': '$.work.verification.error.Cause' },
        resultPath: '$.work.error',
      }).next(removeCreated);
      const guard = <T extends sfn.TaskStateBase | sfn.Map>(step: T): T => step.addCatch(removeCreated, { resultPath: '$.work.error' }) as T;

      // Verify: every flow log ACTIVE and delivering; a delivery error fails the execution after the cleanup.
      const verify = pollLoop(scope, { check: States.checkFlowLogs, route: States.routeFlowLogs, wait: States.waitFlowLogs },
        fns['check-flow-logs'], { 'flowLogs.$': '$.work.created', 'poll.$': '$.work.verification' }, '$.work.verification', recordVerificationError);
      guard(verify.check);
      verify.route.otherwise(report);

      const createFlowLogs = guard(new sfn.Map(scope, States.createFlowLogs, {
        itemsPath: '$.plan.toCreate', maxConcurrency: MAP_CONCURRENCY, resultPath: '$.work.created',
        itemSelector: { 'vpcId.$': '$$.Map.Item.Value.vpcId', 'request.$': '$.request', 'executionName.$': '$.execution.name' },
      }).itemProcessor(lambdaTask(scope, States.createFlowLog, fns['create-flow-log'], {}))).next(verify.check);
      return { otherwise: createFlowLogs };
    },
  });
}
