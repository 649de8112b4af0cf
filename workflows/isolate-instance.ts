import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { lockHandOver, remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { START_CHILD_RETRY, lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.isolateInstance;

/** One Lambda per task (tasks/isolation/<task>.ts; the approval pair from tasks/approval). */
export const ISOLATE_INSTANCE_TASKS = [
  'validate-isolate-input', 'plan-isolation', 'snapshot-instance', 'check-forensic-snapshots', 'protect-instance', 'remove-from-service',
  'ensure-isolation-groups', 'move-network-interface', 'revoke-instance-profile', 'start-source-block', 'tag-isolated', 'verify-isolation',
  'restore-instance', 'build-isolate-report', 'request-approval', 'verify-approver', 'record-key-rotation', 'recheck-isolation',
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
  routeByKeyRotation: 'RouteByKeyRotation',
  grantLockHandOver: 'GrantLockHandOver',
  startKeyRotation: 'StartKeyRotation',
  recordKeyRotation: 'RecordKeyRotation',
  recordKeyRotationFailure: 'RecordKeyRotationFailure',
  reclaimLock: 'ReclaimLock',
  waitUntracked: 'WaitUntracked',
  recheckIsolation: 'RecheckIsolation',
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
} as const;

/**
 * The rotate-key-pair child runs three Run Commands of at most ~15 min each (no approval: isolate's own, if any, came
 * first); StartKeyRotation waits at most this long. A child still running then keeps the lock, and ReclaimLock fails
 * into the rollback rather than go on beside it.
 */
export const KEY_ROTATION_TIMEOUT = Duration.hours(2);

export const COMMENT = [
  'Isolates an EC2 instance for a security case: forensic snapshots of every volume and its metadata in a case record,',
  'termination and stop protection, out of Auto Scaling and target groups, each ENI through an untracked group (Wait;',
  'rotateKeyPair: true hands the lock to rotate-key-pair there, while SSM still reaches the instance) to an empty one once',
  're-checked, the instance profile off and its role\'s older sessions denied. Start it with {"instanceId": "i-0123456789abcdef0"}',
  'or {"release": {"caseId": "<the case>"}} (schema: docs/schemas/isolate-instance.json; try "mode": "plan" first).',
].join(' ');

/**
 * ValidateInput -> lock on the instance -> PlanIsolation -> RouteByPlan [-> approval, the plan made again and compared]
 * -> RouteByAction: isolate: SnapshotInstance -> (poll) -> ProtectInstance -> RemoveFromService -> EnsureIsolationGroups
 * -> MoveToUntrackedGroups (Map) -> RouteByKeyRotation [plan.keyRotation (SSM-managed): GrantLockHandOver -> StartKeyRotation
 * (rotate-key-pair, .sync:2, under the handed-over lock) -> RecordKeyRotation (failed: RecordKeyRotationFailure) -> ReclaimLock]
 * -> WaitUntracked -> RecheckIsolation -> MoveToIsolationGroups (Map) -> RevokeInstanceProfile -> [StartSourceBlock]
 * -> TagIsolated -> VerifyIsolation; release: ReleaseIsolation -> VerifyRelease; -> BuildReport.
 * Any failure after the first change: RollbackIsolation puts back what the case record says was changed. A rotation
 * that fails is the child's to roll back: recorded and reported, it never undoes the isolation.
 */
export function buildIsolateInstanceDefinition(
  scope: Construct, fns: Record<IsolateInstanceTask, IFunction>, kit: KitSteps, rotateKeyPair: sfn.IStateMachine,
): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  const handOver = kit.lock?.handOver;
  if (!handOver) throw new Error(`${WORKFLOW_NAME} hands its lock to rotate-key-pair: its spec needs lock.handsOver`);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-isolate-input'], preflight: fns['plan-isolation'], buildReport: fns['build-isolate-report'],
    preflightState: States.planIsolation,
    preflightPayload: { 'request.$': '$.request', 'caseId.$': '$.caseId', 'instanceId.$': '$.instanceId' },
    work: { snapshotPoll: {}, groups: { enis: [] }, keyRotation: {} },
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
      // After the wait (and the child), before the empty group: the instance and its ENIs are still as we left them.
      const recheck = step(States.recheckIsolation, fns['recheck-isolation'], '$.work.rechecked', {
        'enis.$': '$.work.groups.enis', 'executionName.$': '$$.Execution.Name',
      }).next(isolate);
      // Open connections stay tracked (and allowed) through a group change: the untracked group makes them untracked first.
      const wait = new sfn.Wait(scope, States.waitUntracked, { time: sfn.WaitTime.secondsPath('$.request.untrackedWaitSeconds') }).next(recheck);
      const rotation = keyRotation(scope, fns, rotateKeyPair, handOver, guard, wait);
      const network = step(States.ensureIsolationGroups, fns['ensure-isolation-groups'], '$.work.groups')
        .next(moveAll(States.moveToUntrackedGroups, States.moveToUntrackedGroup, 'untracked', '$.work.untracked'))
        .next(new sfn.Choice(scope, States.routeByKeyRotation).when(sfn.Condition.isPresent('$.plan.keyRotation'), rotation).otherwise(wait));
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

/**
 * While the ENIs sit in the untracked group and the profile is still attached (SSM still reaches the instance): the lock
 * handed to rotate-key-pair (named from the case: a redrive finds the same execution), which the parent waits for
 * (`.sync:2`), then taken back. The child's failure is caught and recorded, never rolled back here: the child undid its
 * own changes (authorized_keys, the new key pair). Only a lock that cannot be granted or taken back fails the isolation.
 */
function keyRotation(
  scope: Construct, fns: Record<IsolateInstanceTask, IFunction>, machine: sfn.IStateMachine, handOver: NonNullable<NonNullable<KitSteps['lock']>['handOver']>,
  guard: <S extends sfn.TaskStateBase>(state: S) => S, next: sfn.IChainable,
): sfn.IChainable {
  const { grant, reclaim } = lockHandOver(scope, WORKFLOW_NAME, handOver, {
    grant: States.grantLockHandOver, reclaim: States.reclaimLock, childNamePath: '$.plan.keyRotation.name', resultPath: '$.work.keyRotation',
  });
  guard(grant);
  guard(reclaim).next(next);
  const record = (id: string, from: Record<string, string>) => guard(lambdaTask(scope, id, fns['record-key-rotation'], {
    payload: { 'plan.$': '$.plan', ...from }, resultPath: '$.work.keyRotation.result',
  })).next(reclaim);
  const start = new tasks.StepFunctionsStartExecution(scope, States.startKeyRotation, {
    stateMachine: machine,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    name: sfn.JsonPath.stringAt('$.plan.keyRotation.name'),
    input: sfn.TaskInput.fromObject({
      'instanceId.$': '$.plan.instanceId', 'caseId.$': '$.plan.caseId', rotateKeyPair: true,
      trigger: { source: 'eventbridge', 'parentExecution.$': '$$.Execution.Name' },
    }),
    // AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: the child's AcquireLock takes the lock this execution granted it.
    associateWithParent: true,
    resultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status', 'output.$': '$.Output' },
    resultPath: '$.work.keyRotation.child',
    taskTimeout: sfn.Timeout.duration(KEY_ROTATION_TIMEOUT),
  });
  start.addRetry(START_CHILD_RETRY);
  start.addCatch(record(States.recordKeyRotationFailure, { 'failure.$': '$.work.keyRotation.failure' }), { errors: [sfn.Errors.ALL], resultPath: '$.work.keyRotation.failure' });
  start.next(record(States.recordKeyRotation, { 'child.$': '$.work.keyRotation.child' }));
  return grant.next(start);
}
