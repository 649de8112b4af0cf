import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.containPrincipal;

/** One Lambda per task (tasks/principal/<task>.ts). */
export const CONTAIN_PRINCIPAL_TASKS = [
  'validate-contain-input', 'plan-containment', 'save-case', 'apply-containment', 'verify-principal', 'notify-root',
  'release-keys', 'remove-session-deny', 'build-contain-report', 'request-approval', 'verify-approver',
] as const;
export type ContainPrincipalTask = (typeof CONTAIN_PRINCIPAL_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planContainment: 'PlanContainment',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval,
  routeByAction: 'RouteByAction',
  saveCase: 'SaveCase',
  applyContainment: 'ApplyContainment',
  describePartialContainment: 'DescribePartialContainment',
  containmentIncomplete: 'ContainmentIncomplete',
  verifyContainment: 'VerifyContainment',
  notifyRoot: 'NotifyRoot',
  releaseKeys: 'ReleaseKeys',
  verifyRelease: 'VerifyRelease',
  buildReport: SkeletonStates.buildReport,
  releaseLock: SkeletonStates.releaseLock,
  routeBySessionDeny: 'RouteBySessionDeny',
  waitForSessionsToExpire: 'WaitForSessionsToExpire',
  removeSessionDeny: 'RemoveSessionDeny',
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Contains the IAM principal behind an unauthorized call: sets the access key used Inactive (IAM user) and denies every',
  'session issued before now (user or role), after saving its prior state in a case record; release puts back exactly what',
  'it changed. Start it with {"principalArn": "arn:aws:iam::123456789012:user/alice", "principalType": "IAMUser",',
  '"accessKeyId": "AKIAIOSFODNN7EXAMPLE"} or {"release": {"caseId": "<the contain execution>"}}',
  '(schema: docs/schemas/contain-principal.json; try "mode": "plan" first).',
].join(' ');

/**
 * ValidateInput -> lock on the principal -> PlanContainment -> RouteByPlan [-> approval, the plan made again and compared]
 * -> RouteByAction: contain: SaveCase -> ApplyContainment -> VerifyContainment; root: NotifyRoot; release: ReleaseKeys -> VerifyRelease
 * -> BuildReport -> ReleaseLock -> RouteBySessionDeny. A release then waits, without the lock, until the stolen
 * sessions' maximum duration has passed (WaitForSessionsToExpire) and removes the session deny: its history holds both.
 */
export function buildContainPrincipalDefinition(scope: Construct, fns: Record<ContainPrincipalTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  const done = new sfn.Succeed(scope, States.done);
  const removeDeny = lambdaTask(scope, States.removeSessionDeny, fns['remove-session-deny'], {
    payload: { 'caseId.$': '$.caseId' }, resultPath: '$.sessionDeny.removal',
  }).next(done);
  const wait = new sfn.Wait(scope, States.waitForSessionsToExpire, { time: sfn.WaitTime.timestampPath('$.sessionDeny.removeAt') }).next(removeDeny);
  const afterRelease = new sfn.Choice(scope, States.routeBySessionDeny)
    .when(sfn.Condition.isPresent('$.sessionDeny.removeAt'), wait)
    .otherwise(done);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    afterRelease,
    validateInput: fns['validate-contain-input'], preflight: fns['plan-containment'], buildReport: fns['build-contain-report'],
    preflightState: States.planContainment,
    preflightPayload: { 'request.$': '$.request', 'execution.$': '$.execution', 'caseId.$': '$.caseId', 'principal.$': '$.principal' },
    work: { applied: { changes: [] }, saved: {} },
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target', comparePlans: kit.comparePlans },
    apply: (report) => {
      const plan = { 'plan.$': '$.plan' };
      const verify = (id: string) => lambdaTask(scope, id, fns['verify-principal'], { payload: { ...plan, 'saved.$': '$.work.saved' }, resultPath: '$.work.verified' }).next(report);
      // A containment that stops half-way keeps what it did (undoing it would hand the stolen key back): the case record
      // holds each change made, and release undoes them. The execution fails saying so.
      const incomplete = new sfn.Pass(scope, States.describePartialContainment, {
        parameters: { 'Error.$': '$.work.error.Error', 'Cause.$': "States.Format('containment stopped part-way ({}); what was changed is kept and recorded in case {}: undo it with input release.caseId = {}', $.work.error.Cause, $.plan.caseId, $.plan.caseId)" },
        resultPath: '$.work.error',
      }).next(new sfn.Fail(scope, States.containmentIncomplete, { errorPath: '$.work.error.Error', causePath: '$.work.error.Cause' }));
      const apply = lambdaTask(scope, States.applyContainment, fns['apply-containment'], { payload: { ...plan, 'saved.$': '$.work.saved' }, resultPath: '$.work.applied' })
        .addCatch(incomplete, { resultPath: '$.work.error' });
      const contain = lambdaTask(scope, States.saveCase, fns['save-case'], {
        payload: { 'executionName.$': '$$.Execution.Name', ...plan }, resultPath: '$.work.saved',
      }).next(apply).next(verify(States.verifyContainment));
      const notifyRoot = lambdaTask(scope, States.notifyRoot, fns['notify-root'], {
        payload: { 'executionName.$': '$$.Execution.Name', ...plan }, resultPath: '$.work.notified',
      }).next(report);
      const release = lambdaTask(scope, States.releaseKeys, fns['release-keys'], {
        payload: { 'executionName.$': '$$.Execution.Name', ...plan }, resultPath: '$.work.released',
      }).next(verify(States.verifyRelease));
      // One entry for the apply path, so that an approved request (which continues there) takes its own action's route.
      return {
        otherwise: new sfn.Choice(scope, States.routeByAction)
          .when(sfn.Condition.stringEquals('$.plan.action', 'notify-root'), notifyRoot)
          .when(sfn.Condition.stringEquals('$.plan.action', 'release'), release)
          .otherwise(contain),
      };
    },
  });
}
