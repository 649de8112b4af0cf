import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.investigateTraffic;

/** One Lambda per task. */
export const INVESTIGATE_TRAFFIC_TASKS = ['validate-investigate-input', 'plan-investigation', 'analyse-traffic', 'start-block', 'build-investigation-report'] as const;
export type InvestigateTrafficTask = (typeof INVESTIGATE_TRAFFIC_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planInvestigation: 'PlanInvestigation',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  analyseTraffic: 'AnalyseTraffic',
  routeByBlock: 'RouteByBlock',
  startBlock: 'StartBlock',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

/** AnalyseTraffic reads up to maxRecords records from S3 or CloudWatch Logs: its function may take 5 minutes. */
export const ANALYSE_FUNCTION_TIMEOUT = Duration.minutes(5);
export const ANALYSE_STATE_TIMEOUT = Duration.minutes(6);

export const COMMENT = [
  'Investigates the traffic of an instance\'s ENIs from their VPC flow logs (CloudWatch Logs or S3): top talkers,',
  'ACCEPT/REJECT counts, and accepted connections to world-open security-group rules. Read-only. Start it with input such as',
  '{"instanceId": "i-0123456789abcdef0"} or {"eniIds": ["eni-0123456789abcdef0"], "from": "2026-01-31T10:00:00Z", "to": "2026-01-31T12:00:00Z"}',
  'With "block": true and "blockCidrs" it starts block-source-ip for those CIDRs on the ENIs\' subnets, which waits for a person\'s approval.',
  '(schema: docs/schemas/investigate-traffic.json). No flow logs: run enable-flow-logs first.',
].join(' ');

/**
 * ValidateInput -> PlanInvestigation -> InitWork -> RouteByPlan (PLANNED: BuildReport) -> AnalyseTraffic
 * -> RouteByBlock ($.plan.block: StartBlock) -> BuildReport -> Done.
 * No lock (infra/workflows/investigate-traffic.ts says why) and no approval gate of its own: it changes nothing.
 * StartBlock starts block-source-ip, whose own approval gate asks a person before any NACL changes.
 */
export function buildInvestigateTrafficDefinition(scope: Construct, fns: Record<InvestigateTrafficTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-investigate-input'], preflight: fns['plan-investigation'], buildReport: fns['build-investigation-report'],
    preflightState: States.planInvestigation,
    work: {},
    apply: (report) => {
      const startBlock = lambdaTask(scope, States.startBlock, fns['start-block'], {
        payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan' }, resultPath: '$.work.block',
      }).next(report);
      const routeByBlock = new sfn.Choice(scope, States.routeByBlock)
        .when(sfn.Condition.isPresent('$.plan.block'), startBlock)
        .otherwise(report);
      return {
        otherwise: lambdaTask(scope, States.analyseTraffic, fns['analyse-traffic'], {
          payload: { 'request.$': '$.request', 'plan.$': '$.plan' }, resultPath: '$.work.traffic', timeout: ANALYSE_STATE_TIMEOUT,
        }).next(routeByBlock),
      };
    },
  });
}
