import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../../tasks/lib/errors';
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
  // Re-checks (DESIGN.md): the instance settles before preflight; after an approval, the plan is made again and compared.
  settleInstance: 'SettleInstance',
  checkInstanceSettled: 'CheckInstanceSettled',
  routeInstanceSettled: 'RouteInstanceSettled',
  waitInstanceSettled: 'WaitInstanceSettled',
  preflightAfterApproval: 'PreflightAfterApproval',
  comparePlansAfterApproval: 'ComparePlansAfterApproval',
  describePlanNoLongerPossible: 'DescribePlanNoLongerPossible',
  planNoLongerPossible: 'PlanNoLongerPossible',
  lockResources: 'LockResources',
  routeAfterLock: 'RouteAfterLock',
} as const;

/** The states the kit adds around the body of a workflow that locks (lockedRemediation below). */
export const LOCK_STATES = [
  SkeletonStates.routeByMode, SkeletonStates.acquireLock, SkeletonStates.withoutLock, SkeletonStates.remediation,
  SkeletonStates.releaseLock, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed,
] as const;

/** The steps the kit adds to every workflow that locks (workflows/lib/skeleton.ts wires them). */
export interface KitSteps {
  lock?: LockSteps;
  /** The kit's plan comparison after an approval (tasks/plan/compare-plans.ts), for workflows with an approval gate. */
  comparePlans?: IFunction;
}
export interface LockSteps {
  acquire: IFunction;
  release: IFunction;
  /** The lock's expiry after it is taken: the state machine's total timeout. */
  ttlSeconds: number;
  /** JSONPath of the target's id in the validated state (an instance id); none: `<account>/<region>/<workflow>`. */
  targetPath?: string;
  /**
   * The resources the plan will change also carry the lock tag: `path` is the JSONPath of their ids once
   * the plan says PROCEED (e.g. `$.plan.volumes[*].volumeId`); `fn` tags them (tasks/lock/lock-resources.ts).
   */
  resources?: { fn: IFunction; path: string };
  /** JSONPath of a boolean the validated input sets when this run changes nothing (refresh-ami's report): it takes no lock, as a plan. */
  readOnlyPath?: string;
  /** Release untags what carries the execution's lock tag even when the lock is account-level (spec `lock.untagResources`). */
  untagResources?: true;
  /** The parent's side of a hand-over (spec `lock.handsOver`): the workflow wires them with lockHandOver below. */
  handOver?: { grant: IFunction; reclaim: IFunction };
  /**
   * The child's side (spec `lock.acceptsHandOver`): AcquireLock is handed the validated request, whose
   * AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID names the parent that may have granted this execution its lock.
   */
  acceptsHandOver?: true;
}

/** Where the parent's hand-over steps are, and where they keep their results. */
export interface HandOverStates { grant: string; reclaim: string; childNamePath: string; resultPath: string }

/**
 * The parent's side of a lock hand-over (DESIGN.md "One at a time"): Grant (the lock item names the child) before the
 * child's `.sync:2` start, Reclaim (the lock ours again, from the child's release or from a child that ended without
 * one) after it, whatever the child's ending. The workflow wires grant -> start -> reclaim and catches both.
 */
export function lockHandOver(scope: Construct, workflow: WorkflowName, handOver: NonNullable<LockSteps['handOver']>, states: HandOverStates) {
  const childName = { 'childName.$': states.childNamePath };
  return {
    grant: lambdaTask(scope, states.grant, handOver.grant, { payload: { 'lock.$': '$.lock', ...childName }, resultPath: `${states.resultPath}.granted` }),
    reclaim: lambdaTask(scope, states.reclaim, handOver.reclaim, {
      payload: { 'lock.$': '$.lock', workflow, 'executionName.$': '$$.Execution.Name', ...childName }, resultPath: `${states.resultPath}.reclaimed`,
    }),
  };
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
  approval?: {
    requestApproval: IFunction; verifyApprover: IFunction; targetPath: string; timeout?: Duration;
    /** The kit's compare-plans: after an approved answer, preflight runs again and the plans must match (PlanChangedError). */
    comparePlans: IFunction;
    /** JSONPath of a boolean the plan sets when it must be approved whatever the input says (block-source-ip: many subnets). */
    requiredPath?: string;
  };
  /**
   * An instance workflow's option: before preflight, wait (bounded, SETTLE_PROFILE) while the instance at
   * `instanceIdPath` is `pending` or `stopping` (tasks/instance/check-instance-settled.ts is `check`).
   */
  settleInstance?: { check: IFunction; instanceIdPath: string };
  /** The kit's lock (infra/kit/lock.ts); omitted: the workflow runs unlocked. */
  lock?: LockSteps;
  /**
   * With the lock: what follows ReleaseLock on success, in place of Done (it ends the execution itself), given the
   * report. block-source-ip waits there for its expiry, without holding the lock.
   */
  afterRelease?: sfn.IChainable;
}

/**
 * The path every remediation shares, once:
 *   ValidateInput -> RouteByMode -> AcquireLock (plan: WithoutLock) -> Remediation [
 *     [settleInstance: SettleInstance -> CheckInstanceSettled (poll while pending/stopping)] ->
 *     Preflight -> InitWork -> RouteByPlan
 *       -> NO_ACTION / PLANNED: BuildReport
 *       -> [lock.resources: LockResources -> RouteAfterLock]
 *       -> [approval: RequestApproval -> PreflightAfterApproval -> ComparePlansAfterApproval]
 *       -> the workflow's apply path -> ... -> BuildReport
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
  const body = remediationBody(scope, props, !props.lock, props.lock?.resources);
  if (!props.lock) return validate.next(body);
  return validate.next(lockedRemediation(scope, props.workflow, props.lock, body, props.afterRelease));
}

/** Preflight -> InitWork -> RouteByPlan -> ... -> BuildReport (-> Done when nothing follows it). */
function remediationBody(scope: Construct, props: SkeletonProps, endsExecution: boolean, lockResources?: LockSteps['resources']): sfn.IChainable {
  const report = lambdaTask(scope, SkeletonStates.buildReport, props.buildReport, {
    payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' },
  });
  const apply = props.apply(endsExecution ? report.next(new sfn.Succeed(scope, SkeletonStates.done)) : report);

  const route = new sfn.Choice(scope, SkeletonStates.routeByPlan)
    .when(sfn.Condition.not(sfn.Condition.stringEquals('$.plan.outcome', 'PROCEED')), report);
  const preflightPayload = props.preflightPayload ?? { 'request.$': '$.request', 'execution.$': '$.execution' };
  // With the lock's resources, every PROCEED path first tags them (before any approval or change), then routes on
  // (RouteAfterLock, when there is anything to route: a Choice needs a rule) or goes straight to the apply path.
  const routesAfterLock = Boolean(props.approval) || (apply.routes?.length ?? 0) > 0;
  const proceed = lockResources && routesAfterLock ? new sfn.Choice(scope, SkeletonStates.routeAfterLock) : route;
  if (lockResources) {
    route.otherwise(lambdaTask(scope, SkeletonStates.lockResources, lockResources.fn, {
      payload: { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', 'resources.$': lockResources.path },
      resultPath: '$.lockedResources',
    }).next(routesAfterLock ? proceed : apply.otherwise));
  }
  if (props.approval) {
    const gate = approvalStep(scope, SkeletonStates.requestApproval, {
      requestApproval: props.approval.requestApproval, verifyApprover: props.approval.verifyApprover, recordPath: '$.work.approval',
      workflow: props.workflow, targetPath: props.approval.targetPath, planPath: '$.plan',
      ...(props.approval.timeout ? { timeout: props.approval.timeout } : {}),
    }, planCheckAfterApproval(scope, props.preflight, preflightPayload, props.approval.comparePlans, apply.otherwise));
    const asked = sfn.Condition.booleanEquals('$.request.approval', true);
    const required = props.approval.requiredPath;
    proceed.when(required ? sfn.Condition.or(asked, sfn.Condition.booleanEquals(required, true)) : asked, gate);
  }
  for (const [condition, next] of apply.routes ?? []) proceed.when(condition, next);
  if (!lockResources || routesAfterLock) proceed.otherwise(apply.otherwise);

  const preflight = lambdaTask(scope, props.preflightState ?? SkeletonStates.preflight, props.preflight, { payload: preflightPayload, resultPath: '$.plan' });
  preflight
    .next(new sfn.Pass(scope, SkeletonStates.initWork, { parameters: props.work, resultPath: '$.work' }))
    .next(route);
  return props.settleInstance ? settleLoop(scope, props.settleInstance, preflight) : preflight;
}

/**
 * An approval can come a day later: the workflow's own preflight runs again (same function, same payload),
 * and the kit compares its plan with the approved one (PlanChangedError on any difference but volatile
 * fields). Nothing has been changed yet; unchanged, the apply path continues with the approved plan. A preflight
 * that now refuses (PreconditionFailedError, ResourceNotFoundError) is a changed plan as well.
 */
function planCheckAfterApproval(
  scope: Construct, preflight: IFunction, payload: Record<string, unknown>, comparePlans: IFunction, apply: sfn.IChainable,
): sfn.IChainable {
  // What was approved can no longer be done at all (the instance excluded or gone meanwhile): the plan changed too.
  const noLongerPossible = new sfn.Pass(scope, SkeletonStates.describePlanNoLongerPossible, {
    parameters: {
      'cause.$': "States.Format('the plan changed while waiting for approval: preflight now refuses it ({}: {}); nothing was changed', $.planAfterApprovalError.Error, $.planAfterApprovalError.Cause)",
    },
    resultPath: '$.planAfterApprovalError',
  }).next(new sfn.Fail(scope, SkeletonStates.planNoLongerPossible, { error: ErrorNames.planChanged, causePath: '$.planAfterApprovalError.cause' }));
  return lambdaTask(scope, SkeletonStates.preflightAfterApproval, preflight, { payload, resultPath: '$.planAfterApproval' })
    .addCatch(noLongerPossible, { errors: [ErrorNames.preconditionFailed, ErrorNames.resourceNotFound], resultPath: '$.planAfterApprovalError' })
    .next(lambdaTask(scope, SkeletonStates.comparePlansAfterApproval, comparePlans, {
      payload: { 'approved.$': '$.plan', 'current.$': '$.planAfterApproval' }, resultPath: sfn.JsonPath.DISCARD,
    }))
    .next(apply);
}

/** SettleInstance -> CheckInstanceSettled -> RouteInstanceSettled (pending: WaitInstanceSettled -> check) -> preflight. */
function settleLoop(scope: Construct, settle: NonNullable<SkeletonProps['settleInstance']>, preflight: sfn.IChainable): sfn.IChainable {
  const pollPath = '$.settle';
  const check = lambdaTask(scope, SkeletonStates.checkInstanceSettled, settle.check, {
    payload: { 'instanceId.$': settle.instanceIdPath, 'poll.$': pollPath }, resultPath: pollPath,
  });
  const wait = new sfn.Wait(scope, SkeletonStates.waitInstanceSettled, { time: sfn.WaitTime.secondsPath(`${pollPath}.waitSeconds`) }).next(check);
  check.next(new sfn.Choice(scope, SkeletonStates.routeInstanceSettled)
    .when(sfn.Condition.stringEquals(`${pollPath}.status`, 'pending'), wait)
    .otherwise(preflight));
  return new sfn.Pass(scope, SkeletonStates.settleInstance, {
    comment: 'A triage-started run finds the instance pending: wait (bounded) until it is running or stopped.',
    result: sfn.Result.fromObject({}), resultPath: pollPath,
  }).next(check);
}

/** The body inside one Parallel branch, between taking the lock and releasing it whatever the ending. */
function lockedRemediation(scope: Construct, workflow: WorkflowName, lock: LockSteps, body: sfn.IChainable, afterRelease?: sfn.IChainable): sfn.IChainable {
  const releasePayload = { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', ...(lock.untagResources ? { untagResources: true } : {}) };
  const remediation = new sfn.Parallel(scope, SkeletonStates.remediation, {
    comment: 'The remediation proper, under the lock: whatever its ending, the lock is released next.',
    resultPath: '$.result',
  }).branch(body);
  const released = lambdaTask(scope, SkeletonStates.releaseLock, lock.release, {
    payload: releasePayload, resultPath: sfn.JsonPath.DISCARD, outputPath: '$.result[0]',
  }).next(afterRelease ?? new sfn.Succeed(scope, SkeletonStates.done));
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
      ...(lock.acceptsHandOver ? { 'request.$': '$.request' } : {}),
    },
    resultPath: '$.lock',
  }).next(remediation);
  const withoutLock = new sfn.Pass(scope, SkeletonStates.withoutLock, {
    comment: 'A plan changes nothing: it takes no lock.', result: sfn.Result.fromObject({ held: false }), resultPath: '$.lock',
  }).next(remediation);
  const plan = sfn.Condition.stringEquals('$.request.mode', 'plan');
  return new sfn.Choice(scope, SkeletonStates.routeByMode)
    .when(lock.readOnlyPath ? sfn.Condition.or(plan, sfn.Condition.booleanEquals(lock.readOnlyPath, true)) : plan, withoutLock)
    .otherwise(acquire);
}
