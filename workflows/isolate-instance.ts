import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.isolateInstance;

/** One Lambda per task (tasks/isolation/<task>.ts; the approval pair from tasks/approval). */
export const ISOLATE_INSTANCE_TASKS = [
  'validate-isolate-input', 'plan-isolation', 'snapshot-instance', 'check-forensic-snapshots', 'protect-instance', 'remove-from-service',
  'ensure-isolation-groups', 'move-network-interface', 'revoke-instance-profile', 'start-source-block', 'tag-isolated', 'verify-isolation',
  'restore-instance', 'build-isolate-report', 'request-approval', 'verify-approver', 'start-key-rotation',
] as const;
export type IsolateInstanceTask = (typeof ISOLATE_INSTANCE_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planIsolation: 'PlanIsolation',
  routeByAction: 'RouteByAction',
  snapshotInstance: 'SnapshotInstance',
  checkForensicSnapshots: 'CheckForensicSnapshots',
  routeForensicSnapshots: 'RouteForensicSnapshots',
  describeSnapshotFailure: 'DescribeSnapshotFailure',
  waitForensicSnapshots: 'WaitForensicSnapshots',
  protectInstance: 'ProtectInstance',
  removeFromService: 'RemoveFromService',
  ensureIsolationGroups: 'EnsureIsolationGroups',
  moveToUntrackedGroups: 'MoveToUntrackedGroups',
  moveToUntrackedGroup: 'MoveToUntrackedGroup',
  waitUntracked: 'WaitUntracked',
  moveToIsolationGroups: 'MoveToIsolationGroups',
  moveToIsolationGroup: 'MoveToIsolationGroup',
  revokeInstanceProfile: 'RevokeInstanceProfile',
  routeBySourceBlock: 'RouteBySourceBlock',
  startSourceBlock: 'StartSourceBlock',
  tagIsolated: 'TagIsolated',
  verifyIsolation: 'VerifyIsolation',
  rollbackIsolation: 'RollbackIsolation',
  isolationRolledBack: 'IsolationRolledBack',
  rollbackFailed: 'RollbackFailed',
  releaseIsolation: 'ReleaseIsolation',
  verifyRelease: 'VerifyRelease',
  buildReport: SkeletonStates.buildReport,
  routeByKeyRotation: 'RouteByKeyRotation',
  startKeyRotation: 'StartKeyRotation',
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Isolates an EC2 instance for a security case: forensic snapshots of every volume and its metadata in a case record,',
  'termination and stop protection, out of Auto Scaling and target groups, each ENI through an untracked group (Wait)',
  'to an empty one, the instance profile off and its role\'s older sessions denied. Start it with {"instanceId": "i-0123456789abcdef0"}',
  'or {"release": {"caseId": "<the case>"}} (schema: docs/schemas/isolate-instance.json; try "mode": "plan" first).',
].join(' ');

/**
 * ValidateInput -> lock on the instance -> PlanIsolation -> RouteByPlan [-> approval, the plan made again and compared]
 * -> RouteByAction: isolate: SnapshotInstance -> (poll) -> ProtectInstance -> RemoveFromService -> EnsureIsolationGroups
 * -> MoveToUntrackedGroups (Map) -> WaitUntracked -> MoveToIsolationGroups (Map) -> RevokeInstanceProfile
 * -> [StartSourceBlock] -> TagIsolated -> VerifyIsolation; release: ReleaseIsolation -> VerifyRelease; -> BuildReport.
 * Any failure after the first change: RollbackIsolation puts back what the case record says was changed.
 * After ReleaseLock: RouteByKeyRotation -> [StartKeyRotation: rotate-key-pair, which takes the instance's lock itself] -> Done.
 */
export function buildIsolateInstanceDefinition(scope: Construct, fns: Record<IsolateInstanceTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  // The report is the state after ReleaseLock: it names the child only when the isolation was made and verified.
  const done = new sfn.Succeed(scope, States.done);
  const afterRelease = new sfn.Choice(scope, States.routeByKeyRotation)
    .when(sfn.Condition.isPresent('$.keyRotation.start'), lambdaTask(scope, States.startKeyRotation, fns['start-key-rotation'], {
      payload: { 'start.$': '$.keyRotation.start', 'executionName.$': '$$.Execution.Name' }, resultPath: '$.keyRotation.started',
    }).next(done))
    .otherwise(done);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock, afterRelease } : {}),
    validateInput: fns['validate-isolate-input'], preflight: fns['plan-isolation'], buildReport: fns['build-isolate-report'],
    preflightState: States.planIsolation,
    preflightPayload: { 'request.$': '$.request', 'caseId.$': '$.caseId', 'instanceId.$': '$.instanceId' },
    work: { snapshotPoll: {}, groups: { enis: [] } },
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target', comparePlans: kit.comparePlans },
    apply: (report) => {
      const plan = { 'plan.$': '$.plan' };
      const rollbackFailed = new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollbackError.Cause' });
      const rollback = lambdaTask(scope, States.rollbackIsolation, fns['restore-instance'], {
        payload: { ...plan, 'executionName.$': '$$.Execution.Name', reason: 'rollback', 'error.$': '$.work.error' }, resultPath: '$.work.rollback',
      });
      rollback.addCatch(rollbackFailed, { resultPath: '$.work.rollbackError' })
        .next(new sfn.Fail(scope, States.isolationRolledBack, { errorPath: '$.work.rollback.error', causePath: '$.work.rollback.cause' }));
      const guard = <S extends sfn.TaskStateBase | sfn.Map>(state: S): S => {
        state.addCatch(rollback, { errors: [sfn.Errors.ALL], resultPath: '$.work.error' });
        return state;
      };
      const step = (id: string, fn: IFunction, resultPath: string, extra: Record<string, unknown> = {}) =>
        guard(lambdaTask(scope, id, fn, { payload: { ...plan, ...extra }, resultPath }));
      const moveAll = (id: string, iteratorId: string, to: 'untracked' | 'empty', resultPath: string) => guard(new sfn.Map(scope, id, {
        itemsPath: '$.work.groups.enis', maxConcurrency: 4, resultPath,
        itemSelector: { 'eni.$': '$$.Map.Item.Value', 'caseId.$': '$.plan.caseId', 'instanceId.$': '$.plan.instanceId', to },
      }).itemProcessor(lambdaTask(scope, iteratorId, fns['move-network-interface'], {})));

      const verify = step(States.verifyIsolation, fns['verify-isolation'], '$.work.verified', { 'enis.$': '$.work.groups.enis' }).next(report);
      const tag = step(States.tagIsolated, fns['tag-isolated'], '$.work.tagged').next(verify);
      const block = step(States.startSourceBlock, fns['start-source-block'], '$.work.block', {
        'source.$': '$.request.blockSourceIp', 'executionName.$': '$$.Execution.Name',
      }).next(tag);
      const routeBlock = new sfn.Choice(scope, States.routeBySourceBlock).when(sfn.Condition.isPresent('$.request.blockSourceIp'), block).otherwise(tag);
      const isolate = moveAll(States.moveToIsolationGroups, States.moveToIsolationGroup, 'empty', '$.work.isolated')
        .next(step(States.revokeInstanceProfile, fns['revoke-instance-profile'], '$.work.profile')).next(routeBlock);
      // Open connections stay tracked (and allowed) through a group change: the untracked group makes them untracked first.
      const wait = new sfn.Wait(scope, States.waitUntracked, { time: sfn.WaitTime.secondsPath('$.request.untrackedWaitSeconds') }).next(isolate);
      const network = step(States.ensureIsolationGroups, fns['ensure-isolation-groups'], '$.work.groups')
        .next(moveAll(States.moveToUntrackedGroups, States.moveToUntrackedGroup, 'untracked', '$.work.untracked')).next(wait);
      const protect = step(States.protectInstance, fns['protect-instance'], '$.work.protected')
        .next(step(States.removeFromService, fns['remove-from-service'], '$.work.removed', { 'autoScaling.$': '$.request.autoScaling' })).next(network);
      const snapshots = pollLoop(scope, { check: States.checkForensicSnapshots, route: States.routeForensicSnapshots, wait: States.waitForensicSnapshots },
        fns['check-forensic-snapshots'], { 'snapshotIds.$': '$.work.snapshots.snapshotIds', 'poll.$': '$.work.snapshotPoll' }, '$.work.snapshotPoll',
        new sfn.Pass(scope, States.describeSnapshotFailure, { inputPath: '$.work.snapshotPoll.error', resultPath: '$.work.error' }).next(rollback));
      guard(snapshots.check);
      snapshots.route.otherwise(protect);
      const snapshot = step(States.snapshotInstance, fns['snapshot-instance'], '$.work.snapshots', { 'executionName.$': '$$.Execution.Name' }).next(snapshots.check);

      const release = lambdaTask(scope, States.releaseIsolation, fns['restore-instance'], {
        payload: { ...plan, 'executionName.$': '$$.Execution.Name', reason: 'release' }, resultPath: '$.work.restored',
      }).next(lambdaTask(scope, States.verifyRelease, fns['verify-isolation'], { payload: plan, resultPath: '$.work.verified' })).next(report);
      return {
        otherwise: new sfn.Choice(scope, States.routeByAction)
          .when(sfn.Condition.stringEquals('$.plan.action', 'release'), release)
          .otherwise(snapshot),
      };
    },
  });
}
