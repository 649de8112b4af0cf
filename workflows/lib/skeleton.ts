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
  routeByMode: 'RouteByMode',
  acquireLock: 'AcquireLock',
  withoutLock: 'WithoutLock',
  remediation: 'Remediation',
  releaseLock: 'ReleaseLock',
  releaseLockAfterFailure: 'ReleaseLockAfterFailure',
  failed: 'Failed',
} as const;

/** The states the kit adds around the body of a workflow that locks (lockedRemediation below). */
export const LOCK_STATES = [
  SkeletonStates.routeByMode, SkeletonStates.acquireLock, SkeletonStates.withoutLock, SkeletonStates.remediation,
  SkeletonStates.releaseLock, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed,
] as const;

/** The steps the kit adds to every workflow that locks (workflows/lib/skeleton.ts wires them). */
export interface KitSteps {
  lock?: LockSteps;
}
export interface LockSteps {
  acquire: IFunction;
  release: IFunction;
  /** The lock's expiry after it is taken: the state machine's total timeout. */
  ttlSeconds: number;
  /** JSONPath of the target's id in the validated state (an instance id); none: `<account>/<region>/<workflow>`. */
  targetPath?: string;
}

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
  approval?: { requestApproval: IFunction; verifyApprover: IFunction; targetPath: string; timeout?: Duration };
  /** The kit's lock (infra/kit/lock.ts); omitted: the workflow runs unlocked. */
  lock?: LockSteps;
}

/**
 * The path every remediation shares, once:
 *   ValidateInput -> RouteByMode -> AcquireLock (plan: WithoutLock) -> Remediation [
 *     Preflight -> InitWork -> RouteByPlan
 *       -> NO_ACTION / PLANNED: BuildReport
 *       -> [approval: RequestApproval] -> the workflow's apply path -> ... -> BuildReport
 *   ] -> ReleaseLock -> Done
 * Every ending of the Remediation branch (a Fail state or an uncaught error) is caught, the lock
 * released, and the execution fails with the branch's own error and cause (Failed). A plan changes
 * nothing, so it takes no lock. A workflow file says only what its preflight is handed, where its
 * work lives and what applying is; steps every workflow gets go here.
 */
export function remediationSkeleton(scope: Construct, props: SkeletonProps): sfn.IChainable {
  const validate = lambdaTask(scope, SkeletonStates.validateInput, props.validateInput, {
    payload: { 'input.$': '$$.Execution.Input', execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime', 'arn.$': '$$.Execution.Id' } },
  });
  const body = remediationBody(scope, props, !props.lock);
  if (!props.lock) return validate.next(body);
  return validate.next(lockedRemediation(scope, props.workflow, props.lock, body));
}

/** Preflight -> InitWork -> RouteByPlan -> ... -> BuildReport (-> Done when nothing follows it). */
function remediationBody(scope: Construct, props: SkeletonProps, endsExecution: boolean): sfn.IChainable {
  const report = lambdaTask(scope, SkeletonStates.buildReport, props.buildReport, {
    payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' },
  });
  const apply = props.apply(endsExecution ? report.next(new sfn.Succeed(scope, SkeletonStates.done)) : report);

  const route = new sfn.Choice(scope, SkeletonStates.routeByPlan)
    .when(sfn.Condition.not(sfn.Condition.stringEquals('$.plan.outcome', 'PROCEED')), report);
  if (props.approval) {
    const gate = approvalStep(scope, SkeletonStates.requestApproval, {
      requestApproval: props.approval.requestApproval, verifyApprover: props.approval.verifyApprover, recordPath: '$.work.approval',
      workflow: props.workflow, targetPath: props.approval.targetPath, planPath: '$.plan',
      ...(props.approval.timeout ? { timeout: props.approval.timeout } : {}),
    }, apply.otherwise);
    route.when(sfn.Condition.booleanEquals('$.request.approval', true), gate);
  }
  for (const [condition, next] of apply.routes ?? []) route.when(condition, next);
  route.otherwise(apply.otherwise);

  return lambdaTask(scope, props.preflightState ?? SkeletonStates.preflight, props.preflight, {
    payload: props.preflightPayload ?? { 'request.$': '$.request', 'execution.$': '$.execution' }, resultPath: '$.plan',
  })
    .next(new sfn.Pass(scope, SkeletonStates.initWork, { parameters: props.work, resultPath: '$.work' }))
    .next(route);
}

/** The body inside one Parallel branch, between taking the lock and releasing it whatever the ending. */
function lockedRemediation(scope: Construct, workflow: WorkflowName, lock: LockSteps, body: sfn.IChainable): sfn.IChainable {
  const releasePayload = { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name' };
  const remediation = new sfn.Parallel(scope, SkeletonStates.remediation, {
    comment: 'The remediation proper, under the lock: whatever its ending, the lock is released next.',
    resultPath: '$.result',
  }).branch(body);
  const released = lambdaTask(scope, SkeletonStates.releaseLock, lock.release, {
    payload: releasePayload, resultPath: sfn.JsonPath.DISCARD, outputPath: '$.result[0]',
  }).next(new sfn.Succeed(scope, SkeletonStates.done));
  remediation.next(released);
  // The execution still fails with the branch's own error and cause (RemediationRolledBack, a refusal, ...).
  const failed = new sfn.Fail(scope, SkeletonStates.failed, { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
  remediation.addCatch(
    lambdaTask(scope, SkeletonStates.releaseLockAfterFailure, lock.release, { payload: releasePayload, resultPath: '$.released' }).next(failed),
    { errors: [sfn.Errors.ALL], resultPath: '$.failure' },
  );
  const acquire = lambdaTask(scope, SkeletonStates.acquireLock, lock.acquire, {
    payload: {
      workflow, 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: lock.ttlSeconds,
      ...(lock.targetPath ? { 'target.$': lock.targetPath } : {}),
    },
    resultPath: '$.lock',
  }).next(remediation);
  const withoutLock = new sfn.Pass(scope, SkeletonStates.withoutLock, {
    comment: 'A plan changes nothing: it takes no lock.', result: sfn.Result.fromObject({ held: false }), resultPath: '$.lock',
  }).next(remediation);
  return new sfn.Choice(scope, SkeletonStates.routeByMode)
    .when(sfn.Condition.stringEquals('$.request.mode', 'plan'), withoutLock)
    .otherwise(acquire);
}
