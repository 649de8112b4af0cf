import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.encryptVolumes;

/** One Lambda per task; several states may share one (e.g. the instance-state checks). */
export const ENCRYPT_VOLUMES_TASKS = [
  'validate-input', 'preflight', 'create-snapshot', 'copy-snapshot', 'check-snapshots', 'stop-instance',
  'check-instance-state', 'create-volume', 'check-volumes', 'swap-volume', 'verify-swap', 'start-instance',
  'delete-intermediate-snapshots', 'build-report', 'rollback-volume', 'finish-rollback', 'request-approval', 'verify-approver',
] as const;
export type EncryptVolumesTask = (typeof ENCRYPT_VOLUMES_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval, requestApprovalRejected: 'RequestApprovalRejected', requestApprovalUnanswered: 'RequestApprovalUnanswered',
  requestApprovalAnswered: 'RequestApprovalAnswered', requestApprovalNotApproved: 'RequestApprovalNotApproved',
  requestApprovalVerifyApprover: 'RequestApprovalVerifyApprover',
  routeByInstanceState: 'RouteByInstanceState',
  preCopySnapshots: 'PreCopySnapshots', createPreCopySnapshot: 'CreatePreCopySnapshot',
  checkPreCopySnapshots: 'CheckPreCopySnapshots', routePreCopySnapshots: 'RoutePreCopySnapshots', waitPreCopySnapshots: 'WaitPreCopySnapshots',
  preCopyEncrypt: 'PreCopyEncrypt', copyPreCopySnapshot: 'CopyPreCopySnapshot',
  checkPreCopyEncrypt: 'CheckPreCopyEncrypt', routePreCopyEncrypt: 'RoutePreCopyEncrypt', waitPreCopyEncrypt: 'WaitPreCopyEncrypt',
  stopInstance: 'StopInstance',
  checkInstanceStopped: 'CheckInstanceStopped', routeInstanceStopped: 'RouteInstanceStopped', waitInstanceStopped: 'WaitInstanceStopped',
  finalSnapshots: 'FinalSnapshots', createFinalSnapshot: 'CreateFinalSnapshot',
  checkFinalSnapshots: 'CheckFinalSnapshots', routeFinalSnapshots: 'RouteFinalSnapshots', waitFinalSnapshots: 'WaitFinalSnapshots',
  finalEncrypt: 'FinalEncrypt', copyFinalSnapshot: 'CopyFinalSnapshot',
  checkFinalEncrypt: 'CheckFinalEncrypt', routeFinalEncrypt: 'RouteFinalEncrypt', waitFinalEncrypt: 'WaitFinalEncrypt',
  createVolumes: 'CreateVolumes', createEncryptedVolume: 'CreateEncryptedVolume',
  checkVolumes: 'CheckVolumes', routeVolumes: 'RouteVolumes', waitVolumes: 'WaitVolumes',
  swapVolumes: 'SwapVolumes', swapVolume: 'SwapVolume', routeSwap: 'RouteSwap', waitSwap: 'WaitSwap', volumeSwapped: 'VolumeSwapped',
  verifySwap: 'VerifySwap',
  routeAfterVerify: 'RouteAfterVerify',
  startInstance: 'StartInstance',
  checkInstanceStarted: 'CheckInstanceStarted', routeInstanceStarted: 'RouteInstanceStarted', waitInstanceStarted: 'WaitInstanceStarted',
  deleteIntermediateSnapshots: 'DeleteIntermediateSnapshots',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
  rollbackVolumes: 'RollbackVolumes', rollbackVolume: 'RollbackVolume', routeRollbackVolume: 'RouteRollbackVolume',
  waitRollbackVolume: 'WaitRollbackVolume', volumeRestored: 'VolumeRestored',
  routeRollbackRestart: 'RouteRollbackRestart',
  restartAfterRollback: 'RestartAfterRollback',
  checkRestartedAfterRollback: 'CheckRestartedAfterRollback', routeRestartedAfterRollback: 'RouteRestartedAfterRollback',
  waitRestartedAfterRollback: 'WaitRestartedAfterRollback',
  finishRollback: 'FinishRollback',
  rolledBack: 'RolledBack',
  rollbackFailed: 'RollbackFailed',
} as const;

/** Where each poll loop keeps its state, initialised by InitWork so every path exists. */
const POLLS = ['preCopySnapshots', 'preCopyEncrypt', 'stopped', 'finalSnapshots', 'finalEncrypt', 'volumes', 'started', 'restarted'] as const;
const poll = (key: (typeof POLLS)[number]) => `$.work.polls.${key}`;

/** The two snapshot phases share one shape: before the stop (pre-copy) and after it (final). */
const SNAPSHOT_PHASES = {
  'pre-copy': {
    snapshotMap: States.preCopySnapshots, snapshotTask: States.createPreCopySnapshot, snapshotField: 'preSnapshotId', snapshotPoll: 'preCopySnapshots',
    snapshotLoop: { check: States.checkPreCopySnapshots, route: States.routePreCopySnapshots, wait: States.waitPreCopySnapshots },
    copyMap: States.preCopyEncrypt, copyTask: States.copyPreCopySnapshot, copyField: 'preCopyId', copyPoll: 'preCopyEncrypt',
    copyLoop: { check: States.checkPreCopyEncrypt, route: States.routePreCopyEncrypt, wait: States.waitPreCopyEncrypt },
  },
  final: {
    snapshotMap: States.finalSnapshots, snapshotTask: States.createFinalSnapshot, snapshotField: 'finalSnapshotId', snapshotPoll: 'finalSnapshots',
    snapshotLoop: { check: States.checkFinalSnapshots, route: States.routeFinalSnapshots, wait: States.waitFinalSnapshots },
    copyMap: States.finalEncrypt, copyTask: States.copyFinalSnapshot, copyField: 'finalCopyId', copyPoll: 'finalEncrypt',
    copyLoop: { check: States.checkFinalEncrypt, route: States.routeFinalEncrypt, wait: States.waitFinalEncrypt },
  },
} as const;

export const COMMENT = [
  'Encrypts the unencrypted EBS volumes of one EC2 instance: snapshot, encrypted copy, new volume, swap, verify.',
  'Start it from the console with input such as {"instanceId": "i-0123456789abcdef0", "allowStop": true}',
  '(schema: docs/schemas/encrypt-volumes.json; try "mode": "plan" first). Originals are never deleted.',
].join(' ');

export const MAP_CONCURRENCY = 10;

export function buildEncryptVolumesDefinition(
  scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, approvalTimeout?: Duration, kit: KitSteps = {},
): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-input'], preflight: fns.preflight, buildReport: fns['build-report'],
    work: { 'volumes.$': '$.plan.volumes', polls: Object.fromEntries(POLLS.map((k) => [k, {}])), error: {} },
    // Before any change, so a rejection (or no answer) leaves everything as it was.
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.request.instanceId', ...(approvalTimeout ? { timeout: approvalTimeout } : {}) },
    apply: (report) => ({ otherwise: applyPath(scope, fns, report) }),
  });
}

/** Pre-copy (if running) -> stop -> final snapshots -> new volumes -> swap -> verify -> start -> cleanup -> report; rollback on failure. */
function applyPath(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, buildReport: sfn.IChainable): sfn.IChainable {
  const ctx = { 'executionName.$': '$.execution.name' };
  const instanceId = { 'instanceId.$': '$.request.instanceId' };

  // Rollback: every original back at its device, instance back in its prior state, created resources tagged.
  const rollbackFailed = new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollbackError.Cause' });
  const rolledBack = new sfn.Fail(scope, States.rolledBack, { error: ErrorNames.remediationRolledBack, causePath: '$.work.rollback.cause' });
  const finishRollback = lambdaTask(scope, States.finishRollback, fns['finish-rollback'], {
    payload: { ...ctx, ...instanceId, 'instanceStateBefore.$': '$.plan.instance.state', 'volumes.$': '$.work.volumes', 'error.$': '$.work.error', 'polls.$': '$.work.polls' },
    resultPath: '$.work.rollback',
  });
  finishRollback.next(rolledBack);
  const rollbackVolume = lambdaTask(scope, States.rollbackVolume, fns['rollback-volume'], {
    payload: { 'volume.$': '$.volume', 'instanceId.$': '$.instanceId', 'poll.$': '$.poll' }, resultPath: '$.poll',
  });
  rollbackVolume.next(new sfn.Choice(scope, States.routeRollbackVolume)
    .when(sfn.Condition.stringEquals('$.poll.status', 'pending'),
      new sfn.Wait(scope, States.waitRollbackVolume, { time: sfn.WaitTime.secondsPath('$.poll.waitSeconds') }).next(rollbackVolume))
    .otherwise(new sfn.Succeed(scope, States.volumeRestored)));
  const restart = pollLoop(scope, { check: States.checkRestartedAfterRollback, route: States.routeRestartedAfterRollback, wait: States.waitRestartedAfterRollback },
    fns['check-instance-state'], { ...instanceId, desired: 'running', 'poll.$': poll('restarted') }, poll('restarted'), finishRollback);
  restart.route.otherwise(finishRollback);
  const restartAfterRollback = lambdaTask(scope, States.restartAfterRollback, fns['start-instance'], { payload: instanceId, resultPath: '$.work.restart' });
  restartAfterRollback.next(restart.check);
  const rollbackVolumes = new sfn.Map(scope, States.rollbackVolumes, {
    itemsPath: '$.work.volumes', maxConcurrency: 1, resultPath: '$.work.rolledBackVolumes',
    itemSelector: { 'volume.$': '$$.Map.Item.Value', 'instanceId.$': '$.request.instanceId', poll: {} },
  }).itemProcessor(rollbackVolume);
  rollbackVolumes.next(new sfn.Choice(scope, States.routeRollbackRestart)
    .when(sfn.Condition.booleanEquals('$.plan.instance.wasRunning', true), restartAfterRollback)
    .otherwise(finishRollback));
  for (const step of [rollbackVolumes, restartAfterRollback, restart.check, finishRollback]) {
    step.addCatch(rollbackFailed, { resultPath: '$.work.rollbackError' });
  }
  const guard = <T extends sfn.TaskStateBase | sfn.Map>(step: T): T => step.addCatch(rollbackVolumes, { resultPath: '$.work.error' }) as T;

  // Phases: a Map issues one call per volume; a single poll loop then waits for all of them.
  const volumeMap = (id: string, iteratorId: string, fn: IFunction, extra: Record<string, unknown>) =>
    guard(new sfn.Map(scope, id, {
      itemsPath: '$.work.volumes', maxConcurrency: MAP_CONCURRENCY, resultPath: '$.work.volumes',
      itemSelector: { 'volume.$': '$$.Map.Item.Value', ...ctx, ...extra },
    }).itemProcessor(lambdaTask(scope, iteratorId, fn, {})));
  const snapshotLoop = (names: { check: string; route: string; wait: string }, field: string, key: (typeof POLLS)[number]) => {
    const loop = pollLoop(scope, names, fns['check-snapshots'], { 'volumes.$': '$.work.volumes', field, 'poll.$': poll(key) }, poll(key), rollbackVolumes);
    guard(loop.check);
    return loop;
  };
  const isCopy = sfn.Condition.stringEquals('$.request.strategy', 'copy');
  const isDone = (key: (typeof POLLS)[number]) => sfn.Condition.stringEquals(`${poll(key)}.status`, 'completed');
  /** Snapshot every volume, wait; with the copy strategy make encrypted copies, wait; then `then`. */
  const snapshotPhase = (phase: 'pre-copy' | 'final', then: sfn.IChainable) => {
    const n = SNAPSHOT_PHASES[phase];
    const copies = snapshotLoop(n.copyLoop, n.copyField, n.copyPoll);
    copies.route.otherwise(then);
    const copy = volumeMap(n.copyMap, n.copyTask, fns['copy-snapshot'], { phase, 'kmsKeyArn.$': '$.plan.kmsKeyArn' }).next(copies.check);
    const snapshots = snapshotLoop(n.snapshotLoop, n.snapshotField, n.snapshotPoll);
    snapshots.route.when(sfn.Condition.and(isDone(n.snapshotPoll), isCopy), copy).otherwise(then);
    return volumeMap(n.snapshotMap, n.snapshotTask, fns['create-snapshot'], { phase }).next(snapshots.check);
  };

  const cleanup = guard(lambdaTask(scope, States.deleteIntermediateSnapshots, fns['delete-intermediate-snapshots'], { payload: { 'volumes.$': '$.work.volumes' }, resultPath: '$.work.cleanup' })).next(buildReport);
  const started = pollLoop(scope, { check: States.checkInstanceStarted, route: States.routeInstanceStarted, wait: States.waitInstanceStarted },
    fns['check-instance-state'], { ...instanceId, desired: 'running', 'poll.$': poll('started') }, poll('started'), rollbackVolumes);
  guard(started.check);
  started.route.otherwise(cleanup);
  const startInstance = guard(lambdaTask(scope, States.startInstance, fns['start-instance'], { payload: instanceId, resultPath: '$.work.start' })).next(started.check);
  const verify = guard(lambdaTask(scope, States.verifySwap, fns['verify-swap'], {
    payload: { ...instanceId, 'kmsKeyArn.$': '$.plan.kmsKeyArn', 'strategy.$': '$.request.strategy', 'volumes.$': '$.work.volumes' },
    resultPath: '$.work.verification', timeout: Duration.minutes(14),
  })).next(new sfn.Choice(scope, States.routeAfterVerify)
    .when(sfn.Condition.booleanEquals('$.plan.instance.wasRunning', true), startInstance)
    .otherwise(cleanup));

  const swapVolume = lambdaTask(scope, States.swapVolume, fns['swap-volume'], {
    payload: { 'volume.$': '$.volume', 'instanceId.$': '$.instanceId', 'poll.$': '$.poll' }, resultPath: '$.poll',
  });
  swapVolume.next(new sfn.Choice(scope, States.routeSwap)
    .when(sfn.Condition.stringEquals('$.poll.status', 'pending'),
      new sfn.Wait(scope, States.waitSwap, { time: sfn.WaitTime.secondsPath('$.poll.waitSeconds') }).next(swapVolume))
    .otherwise(new sfn.Pass(scope, States.volumeSwapped, { outputPath: '$.poll' })));
  // One volume at a time: a failure leaves at most one device mid-swap for rollback to put back.
  const swapVolumes = guard(new sfn.Map(scope, States.swapVolumes, {
    itemsPath: '$.work.volumes', maxConcurrency: 1, resultPath: '$.work.swaps',
    itemSelector: { 'volume.$': '$$.Map.Item.Value', 'instanceId.$': '$.request.instanceId', poll: {} },
  }).itemProcessor(swapVolume)).next(verify);

  const volumes = pollLoop(scope, { check: States.checkVolumes, route: States.routeVolumes, wait: States.waitVolumes },
    fns['check-volumes'], { 'volumes.$': '$.work.volumes', 'poll.$': poll('volumes') }, poll('volumes'), rollbackVolumes);
  guard(volumes.check);
  volumes.route.otherwise(swapVolumes);
  const createVolumes = volumeMap(States.createVolumes, States.createEncryptedVolume, fns['create-volume'], { 'strategy.$': '$.request.strategy', 'kmsKeyArn.$': '$.plan.kmsKeyArn' }).next(volumes.check);

  const takeFinalSnapshots = snapshotPhase('final', createVolumes);

  const stopped = pollLoop(scope, { check: States.checkInstanceStopped, route: States.routeInstanceStopped, wait: States.waitInstanceStopped },
    fns['check-instance-state'], { ...instanceId, desired: 'stopped', 'poll.$': poll('stopped') }, poll('stopped'), rollbackVolumes);
  guard(stopped.check);
  stopped.route.otherwise(takeFinalSnapshots);
  const stopInstance = guard(lambdaTask(scope, States.stopInstance, fns['stop-instance'], { payload: instanceId, resultPath: '$.work.stop' })).next(stopped.check);

  const takePreCopySnapshots = snapshotPhase('pre-copy', stopInstance);

  return new sfn.Choice(scope, States.routeByInstanceState)
    .when(sfn.Condition.booleanEquals('$.plan.needsStop', true), takePreCopySnapshots)
    .otherwise(takeFinalSnapshots);
}
