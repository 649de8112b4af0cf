import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WorkflowName } from '../../tasks/lib/workflow-names';
import { approvalStep } from './approval';
import { lambdaTask } from './steps';

/** The states every workflow on the skeleton has, by these names. */
export const SkeletonStates = {
  validateInput: 'ValidateInput',
  preflight: 'Preflight',
  initWork: 'InitWork',
  routeByPlan: 'RouteByPlan',
  requestApproval: 'RequestApproval',
  buildReport: 'BuildReport',
  done: 'Done',
} as const;

/** What the apply path is, once the plan says PROCEED: routes checked in order, then `otherwise`. */
export interface ApplyPath {
  routes?: [sfn.Condition, sfn.IChainable][];
  /** The apply path's entry; an approved request continues here too. */
  otherwise: sfn.IChainable;
}

export interface SkeletonProps {
  workflow: WorkflowName;
  validateInput: IFunction;
  preflight: IFunction;
  buildReport: IFunction;
  /** Preflight's payload (default: the request and the execution). */
  preflightPayload?: Record<string, unknown>;
  /** Preflight's state name, where it says more than "Preflight" (enable-flow-logs: PlanFlowLogs). */
  preflightState?: string;
  /** InitWork's parameters: where the later steps keep their state, so every path exists. */
  work: Record<string, unknown>;
  /** Builds the apply path; every path of it ends in `report` (BuildReport) or a Fail state. */
  apply: (report: sfn.IChainable) => ApplyPath;
  /**
   * Input `approval: true` pauses for a person's answer before any change (workflows/lib/approval.ts),
   * then continues at the apply path's entry. Omitted: the workflow has no approval gate.
   */
  approval?: { requestApproval: IFunction; targetPath: string; timeout?: Duration };
}

/**
 * The path every remediation shares, once:
 *   ValidateInput -> Preflight -> InitWork -> RouteByPlan
 *     -> NO_ACTION / PLANNED: BuildReport -> Done
 *     -> [approval: RequestApproval] -> the workflow's apply path -> ... -> BuildReport -> Done
 * A workflow file says only what its preflight is handed, where its work lives and what applying is.
 * Steps every workflow gets (a lock after validation, preflight again after an approval) go here.
 */
export function remediationSkeleton(scope: Construct, props: SkeletonProps): sfn.IChainable {
  const report = lambdaTask(scope, SkeletonStates.buildReport, props.buildReport, {
    payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' },
  }).next(new sfn.Succeed(scope, SkeletonStates.done));
  const apply = props.apply(report);

  const route = new sfn.Choice(scope, SkeletonStates.routeByPlan)
    .when(sfn.Condition.not(sfn.Condition.stringEquals('$.plan.outcome', 'PROCEED')), report);
  if (props.approval) {
    const gate = approvalStep(scope, SkeletonStates.requestApproval, {
      requestApproval: props.approval.requestApproval, workflow: props.workflow, targetPath: props.approval.targetPath, planPath: '$.plan',
      ...(props.approval.timeout ? { timeout: props.approval.timeout } : {}),
    });
    route.when(sfn.Condition.booleanEquals('$.request.approval', true), gate.next(apply.otherwise));
  }
  for (const [condition, next] of apply.routes ?? []) route.when(condition, next);
  route.otherwise(apply.otherwise);

  return lambdaTask(scope, SkeletonStates.validateInput, props.validateInput, {
    payload: { 'input.$': '$$.Execution.Input', execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' } },
  })
    .next(lambdaTask(scope, props.preflightState ?? SkeletonStates.preflight, props.preflight, {
      payload: props.preflightPayload ?? { 'request.$': '$.request', 'execution.$': '$.execution' }, resultPath: '$.plan',
    }))
    .next(new sfn.Pass(scope, SkeletonStates.initWork, { parameters: props.work, resultPath: '$.work' }))
    .next(route);
}
