import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';
import { POLLS, States, poll, type EncryptVolumesTask, type PollKey } from './encrypt-volumes-states';
import { compareBlocksMap } from './encrypt-volumes-block-compare';
import { DEFAULT_RESTART_RETRY, capacityRetry, cleanupLoop, rollbackPath, type RestartRetry } from './encrypt-volumes-rollback';
import { afterSwap, copyVolumesMap, followInitialization, isVolumeCopy } from './encrypt-volumes-volume-copy';

export { ENCRYPT_VOLUMES_TASKS, States, type EncryptVolumesTask } from './encrypt-volumes-states';
export { BUSY_RETRY, DEFAULT_RESTART_RETRY, type RestartRetry } from './encrypt-volumes-rollback';
export { COPY_QUEUE_RETRY } from './encrypt-volumes-volume-copy';

export const WORKFLOW_NAME = WORKFLOW.encryptVolumes;

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

export interface EncryptVolumesOptions {
  approvalTimeout?: Duration;
  restartRetry?: RestartRetry;
}

export function buildEncryptVolumesDefinition(
  scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, approvalTimeout?: Duration, kit: KitSteps = {}, options: EncryptVolumesOptions = {},
): sfn.IChainable {
  const restartRetry = options.restartRetry ?? DEFAULT_RESTART_RETRY;
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    // volume-copy: the copies' initialization is followed after the lock is released (never under it).
    ...(kit.lock ? { afterRelease: followInitialization(scope, fns) } : {}),
    validateInput: fns['validate-input'], preflight: fns.preflight, buildReport: fns['build-report'],
    // Triage starts it right after StartInstances: wait out `pending` (and `stopping`) before preflight judges the state.
    settleInstance: { check: fns['check-instance-settled'], instanceIdPath: '$.request.instanceId' },
    work: {
      'volumes.$': '$.plan.volumes', polls: Object.fromEntries(POLLS.map((k) => [k, {}])), error: {},
      cleanup: {}, rollbackCleanup: {}, rolledBackVolumes: [], rollbackErrors: {},
    },
    // Before any change, so a rejection (or no answer) leaves everything as it was.
    approval: {
      requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.request.instanceId',
      comparePlans: kitComparePlans(kit), ...(approvalTimeout ? { timeout: approvalTimeout } : {}),
    },
    apply: (report) => ({ otherwise: applyPath(scope, fns, report, restartRetry) }),
  });
}

function kitComparePlans(kit: KitSteps) {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true so the kit checks the plan after the approval`);
  return kit.comparePlans;
}

/**
 * Pre-copy (if running) -> stop -> final snapshots -> new volumes -> swap -> verify -> start -> cleanup -> report; rollback on failure.
 * volume-copy: stop -> CopyVolumes -> the same wait, swap, verify and after (branch points: RouteStrategyBeforeStop, RouteStrategyAfterStop, RouteAfterSwap;
 * after ReleaseLock, RouteAfterRelease follows the initialization).
 */
function applyPath(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, buildReport: sfn.IChainable, restartRetry: RestartRetry): sfn.IChainable {
  const ctx = { 'executionName.$': '$.execution.name' };
  const instanceId = { 'instanceId.$': '$.request.instanceId' };

  const rollbackVolumes = rollbackPath(scope, fns, restartRetry);
  const guard = <T extends sfn.TaskStateBase | sfn.Map>(step: T): T => step.addCatch(rollbackVolumes, { resultPath: '$.work.error' }) as T;

  // Phases: a Map issues one call per volume; a single poll loop then waits for all of them.
  const volumeMap = (id: string, iteratorId: string, fn: IFunction, extra: Record<string, unknown>) =>
    guard(new sfn.Map(scope, id, {
      itemsPath: '$.work.volumes', maxConcurrency: MAP_CONCURRENCY, resultPath: '$.work.volumes',
      itemSelector: { 'volume.$': '$$.Map.Item.Value', ...ctx, ...extra },
    }).itemProcessor(lambdaTask(scope, iteratorId, fn, {})));
  const snapshotLoop = (names: { check: string; route: string; wait: string }, field: string, key: PollKey) => {
    const loop = pollLoop(scope, names, fns['check-snapshots'], { 'volumes.$': '$.work.volumes', field, 'poll.$': poll(key) }, poll(key), rollbackVolumes);
    guard(loop.check);
    return loop;
  };
  const isCopy = sfn.Condition.stringEquals('$.request.strategy', 'copy');
  const isDone = (key: PollKey) => sfn.Condition.stringEquals(`${poll(key)}.status`, 'completed');
  /** Snapshot every volume, wait; with the copy strategy make encrypted copies, wait; then `then`. */
  const snapshotPhase = (phase: 'pre-copy' | 'final', then: sfn.IChainable) => {
    const n = SNAPSHOT_PHASES[phase];
    const copies = snapshotLoop(n.copyLoop, n.copyField, n.copyPoll);
    // The copy strategy compares each snapshot with its encrypted copy once both are complete.
    copies.route.otherwise(guard(compareBlocksMap(scope, fns['compare-blocks'], phase)).next(then));
    const copy = volumeMap(n.copyMap, n.copyTask, fns['copy-snapshot'], { phase, 'kmsKeyArn.$': '$.plan.kmsKeyArn' }).next(copies.check);
    const snapshots = snapshotLoop(n.snapshotLoop, n.snapshotField, n.snapshotPoll);
    snapshots.route.when(sfn.Condition.and(isDone(n.snapshotPoll), isCopy), copy).otherwise(then);
    return volumeMap(n.snapshotMap, n.snapshotTask, fns['create-snapshot'], { phase }).next(snapshots.check);
  };

  // After verify nothing rolls the swap back: a start that keeps failing ends InstanceNotRestartedError
  // (after the cleanup, with the report as its cause), a failed cleanup is reported.
  const notRestarted = lambdaTask(scope, States.buildNotRestartedReport, fns['build-report'], {
    payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' }, resultPath: '$.work.report',
  }).next(new sfn.Pass(scope, States.describeNotRestarted, { parameters: { 'cause.$': 'States.JsonToString($.work.report)' }, resultPath: '$.work.notRestarted' }))
    .next(new sfn.Fail(scope, States.instanceNotRestarted, { error: ErrorNames.instanceNotRestarted, causePath: '$.work.notRestarted.cause' }));
  const afterCleanup = new sfn.Choice(scope, States.routeAfterCleanup)
    .when(sfn.Condition.isPresent('$.work.startError'), notRestarted)
    .otherwise(buildReport);
  const cleanup = cleanupLoop(scope, fns['cleanup-created'], 'success',
    { check: States.cleanupCreated, route: States.routeCleanupCreated, wait: States.waitCleanupCreated }, afterCleanup);
  cleanup.check.addCatch(afterCleanup, { resultPath: '$.work.cleanupError' });
  const startFailed = new sfn.Pass(scope, States.instanceStartFailed, {
    comment: 'The start poll reported error: recorded as the start error, the swap is kept.',
    parameters: { 'Error.$': `${poll('started')}.error.Error`, 'Cause.$': `${poll('started')}.error.Cause` }, resultPath: '$.work.startError',
  }).next(cleanup.check);
  const started = pollLoop(scope, { check: States.checkInstanceStarted, route: States.routeInstanceStarted, wait: States.waitInstanceStarted },
    fns['check-instance-state'], { ...instanceId, desired: 'running', 'poll.$': poll('started') }, poll('started'), startFailed);
  started.check.addCatch(cleanup.check, { resultPath: '$.work.startError' });
  started.route.otherwise(cleanup.check);
  const startInstance = lambdaTask(scope, States.startInstance, fns['start-instance'], { payload: instanceId, resultPath: '$.work.start' })
    .addRetry(capacityRetry(restartRetry))
    .addCatch(cleanup.check, { resultPath: '$.work.startError' })
    .next(started.check);
  const verify = guard(lambdaTask(scope, States.verifySwap, fns['verify-swap'], {
    payload: { ...instanceId, 'kmsKeyArn.$': '$.plan.kmsKeyArn', 'strategy.$': '$.request.strategy', 'volumes.$': '$.work.volumes' },
    resultPath: '$.work.verification',
  })).next(new sfn.Choice(scope, States.routeAfterVerify)
    .when(sfn.Condition.booleanEquals('$.plan.instance.wasRunning', true), startInstance)
    .otherwise(cleanup.check));

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
  }).itemProcessor(swapVolume)).next(afterSwap(scope, fns, verify));

  const volumes = pollLoop(scope, { check: States.checkVolumes, route: States.routeVolumes, wait: States.waitVolumes },
    fns['check-volumes'], { 'volumes.$': '$.work.volumes', 'poll.$': poll('volumes') }, poll('volumes'), rollbackVolumes);
  guard(volumes.check);
  volumes.route.otherwise(swapVolumes);
  const createVolumes = volumeMap(States.createVolumes, States.createEncryptedVolume, fns['create-volume'], { 'strategy.$': '$.request.strategy', 'kmsKeyArn.$': '$.plan.kmsKeyArn' }).next(volumes.check);
  // volume-copy: no snapshot at all; the copies are made after the stop, then the same wait, swap and verify.
  const copyVolumes = guard(copyVolumesMap(scope, fns, MAP_CONCURRENCY)).next(volumes.check);

  // After the stop (or on an instance that was stopped): nothing may have changed since, before the final snapshots.
  const takeFinalSnapshots = guard(lambdaTask(scope, States.recheckBeforeFinalSnapshots, fns['recheck-instance'], {
    payload: { ...instanceId, 'volumes.$': '$.work.volumes', next: 'the final snapshots' }, resultPath: '$.work.recheck',
  })).next(new sfn.Choice(scope, States.routeStrategyAfterStop).when(isVolumeCopy, copyVolumes).otherwise(snapshotPhase('final', createVolumes)));

  const stopped = pollLoop(scope, { check: States.checkInstanceStopped, route: States.routeInstanceStopped, wait: States.waitInstanceStopped },
    fns['check-instance-state'], { ...instanceId, desired: 'stopped', 'poll.$': poll('stopped') }, poll('stopped'), rollbackVolumes);
  guard(stopped.check);
  stopped.route.otherwise(takeFinalSnapshots);
  const stopInstance = guard(lambdaTask(scope, States.stopInstance, fns['stop-instance'], { payload: instanceId, resultPath: '$.work.stop' })).next(stopped.check);

  const takePreCopySnapshots = snapshotPhase('pre-copy', stopInstance);

  return new sfn.Choice(scope, States.routeByInstanceState)
    .when(sfn.Condition.booleanEquals('$.plan.needsStop', true),
      new sfn.Choice(scope, States.routeStrategyBeforeStop).when(isVolumeCopy, stopInstance).otherwise(takePreCopySnapshots))
    .otherwise(takeFinalSnapshots);
}
