import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { BUSY_ERRORS, CAPACITY_ERRORS, ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.encryptVolumes;

/** One Lambda per task; several states may share one (e.g. the instance-state checks). */
export const ENCRYPT_VOLUMES_TASKS = [
  'validate-input', 'preflight', 'create-snapshot', 'copy-snapshot', 'check-snapshots', 'stop-instance',
  'check-instance-state', 'create-volume', 'check-volumes', 'swap-volume', 'verify-swap', 'start-instance',
  'cleanup-created', 'build-report', 'rollback-volume', 'finish-rollback', 'request-approval', 'verify-approver',
  'recheck-instance', 'check-instance-settled',
] as const;
export type EncryptVolumesTask = (typeof ENCRYPT_VOLUMES_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  settleInstance: SkeletonStates.settleInstance, checkInstanceSettled: SkeletonStates.checkInstanceSettled,
  routeInstanceSettled: SkeletonStates.routeInstanceSettled, waitInstanceSettled: SkeletonStates.waitInstanceSettled,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval, requestApprovalRejected: 'RequestApprovalRejected', requestApprovalUnanswered: 'RequestApprovalUnanswered',
  requestApprovalAnswered: 'RequestApprovalAnswered', requestApprovalNotApproved: 'RequestApprovalNotApproved',
  preflightAfterApproval: SkeletonStates.preflightAfterApproval, comparePlansAfterApproval: SkeletonStates.comparePlansAfterApproval,
  requestApprovalVerifyApprover: 'RequestApprovalVerifyApprover',
  routeByInstanceState: 'RouteByInstanceState',
  preCopySnapshots: 'PreCopySnapshots', createPreCopySnapshot: 'CreatePreCopySnapshot',
  checkPreCopySnapshots: 'CheckPreCopySnapshots', routePreCopySnapshots: 'RoutePreCopySnapshots', waitPreCopySnapshots: 'WaitPreCopySnapshots',
  preCopyEncrypt: 'PreCopyEncrypt', copyPreCopySnapshot: 'CopyPreCopySnapshot',
  checkPreCopyEncrypt: 'CheckPreCopyEncrypt', routePreCopyEncrypt: 'RoutePreCopyEncrypt', waitPreCopyEncrypt: 'WaitPreCopyEncrypt',
  stopInstance: 'StopInstance',
  checkInstanceStopped: 'CheckInstanceStopped', routeInstanceStopped: 'RouteInstanceStopped', waitInstanceStopped: 'WaitInstanceStopped',
  recheckBeforeFinalSnapshots: 'RecheckBeforeFinalSnapshots',
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
  instanceStartFailed: 'InstanceStartFailed',
  cleanupCreated: 'CleanupCreated', routeCleanupCreated: 'RouteCleanupCreated', waitCleanupCreated: 'WaitCleanupCreated',
  routeAfterCleanup: 'RouteAfterCleanup',
  buildNotRestartedReport: 'BuildNotRestartedReport', describeNotRestarted: 'DescribeNotRestarted', instanceNotRestarted: 'InstanceNotRestarted',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
  rollbackVolumes: 'RollbackVolumes', rollbackVolume: 'RollbackVolume', routeRollbackVolume: 'RouteRollbackVolume',
  waitRollbackVolume: 'WaitRollbackVolume', volumeRestored: 'VolumeRestored', rollbackVolumeFailed: 'RollbackVolumeFailed',
  routeRollbackRestart: 'RouteRollbackRestart',
  restartAfterRollback: 'RestartAfterRollback', routeRestartAfterRollback: 'RouteRestartAfterRollback',
  checkRestartedAfterRollback: 'CheckRestartedAfterRollback', routeRestartedAfterRollback: 'RouteRestartedAfterRollback',
  waitRestartedAfterRollback: 'WaitRestartedAfterRollback',
  cleanupAfterRollback: 'CleanupAfterRollback', routeCleanupAfterRollback: 'RouteCleanupAfterRollback', waitCleanupAfterRollback: 'WaitCleanupAfterRollback',
  finishRollback: 'FinishRollback',
  routeRollbackOutcome: 'RouteRollbackOutcome',
  rolledBack: 'RolledBack',
  rollbackIncomplete: 'RollbackIncomplete',
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

/** The final start's Retry of capacity errors: long, bounded (about 1 h by default), configurable. */
export interface RestartRetry {
  interval: Duration;
  maxAttempts: number;
  maxDelay: Duration;
}
/** 60 + 120 + 240 + 480 + 900 + 900 + 900 s: at most an hour of waiting (full jitter waits less). */
export const DEFAULT_RESTART_RETRY: RestartRetry = { interval: Duration.seconds(60), maxAttempts: 7, maxDelay: Duration.minutes(15) };

/** Putting an original back may meet a volume or instance still settling from the last attach/detach. */
export const BUSY_RETRY: sfn.RetryProps = {
  errors: [...BUSY_ERRORS], interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL,
};

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

const capacityRetry = (r: RestartRetry): sfn.RetryProps => ({
  errors: [...CAPACITY_ERRORS], interval: r.interval, maxAttempts: r.maxAttempts, backoffRate: 2, maxDelay: r.maxDelay, jitterStrategy: sfn.JitterType.FULL,
});

/** A settle loop of the cleanup by tag (tasks/ebs/cleanup-created.ts), after success or after rollback. */
function cleanupLoop(scope: Construct, fn: IFunction, after: 'success' | 'rollback', names: { check: string; route: string; wait: string }, then: sfn.IChainable) {
  const path = after === 'success' ? '$.work.cleanup' : '$.work.rollbackCleanup';
  const loop = pollLoop(scope, names, fn, { 'executionName.$': '$.execution.name', after, 'volumes.$': '$.work.volumes', 'poll.$': path }, path, then);
  loop.route.otherwise(then);
  return loop;
}

/**
 * Rollback: every device attempted (a device's failure is recorded and the Map goes on), the instance
 * restarted only if it was running before and is stopped now, the cleanup by tag, then FinishRollback
 * reads the account and reports per device: all restored -> RemediationRolledBack, else RollbackFailedError.
 */
function rollbackPath(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, restartRetry: RestartRetry): sfn.IChainable {
  const instanceId = { 'instanceId.$': '$.request.instanceId' };
  // FinishRollback's own failure (after its retries) is the last resort: the raw error.
  const rollbackFailed = new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollbackError.Cause' });
  const rolledBack = new sfn.Fail(scope, States.rolledBack, { error: ErrorNames.remediationRolledBack, causePath: '$.work.rollback.cause' });
  const incomplete = new sfn.Fail(scope, States.rollbackIncomplete, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollback.cause' });
  const finishRollback = lambdaTask(scope, States.finishRollback, fns['finish-rollback'], {
    payload: {
      'executionName.$': '$.execution.name', ...instanceId, 'instanceStateBefore.$': '$.plan.instance.state', 'volumes.$': '$.work.volumes',
      'error.$': '$.work.error', 'polls.$': '$.work.polls', 'devices.$': '$.work.rolledBackVolumes', 'rollbackErrors.$': '$.work.rollbackErrors',
      'cleanup.$': '$.work.rollbackCleanup',
    },
    resultPath: '$.work.rollback',
  }).addCatch(rollbackFailed, { resultPath: '$.work.rollbackError' });
  finishRollback.next(new sfn.Choice(scope, States.routeRollbackOutcome)
    .when(sfn.Condition.booleanEquals('$.work.rollback.allRestored', true), rolledBack)
    .otherwise(incomplete));
  const cleanup = cleanupLoop(scope, fns['cleanup-created'], 'rollback',
    { check: States.cleanupAfterRollback, route: States.routeCleanupAfterRollback, wait: States.waitCleanupAfterRollback }, finishRollback);
  cleanup.check.addCatch(finishRollback, { resultPath: '$.work.rollbackErrors.cleanup' });

  const restart = pollLoop(scope, { check: States.checkRestartedAfterRollback, route: States.routeRestartedAfterRollback, wait: States.waitRestartedAfterRollback },
    fns['check-instance-state'], { ...instanceId, desired: 'running', 'poll.$': poll('restarted') }, poll('restarted'), cleanup.check);
  restart.route.otherwise(cleanup.check);
  restart.check.addCatch(cleanup.check, { resultPath: '$.work.rollbackErrors.restart' });
  const restartAfterRollback = lambdaTask(scope, States.restartAfterRollback, fns['start-instance'], {
    payload: { ...instanceId, afterRollback: { 'devices.$': '$.work.rolledBackVolumes' } }, resultPath: '$.work.restart',
  }).addRetry(capacityRetry(restartRetry)).addCatch(cleanup.check, { resultPath: '$.work.rollbackErrors.restart' });
  restartAfterRollback.next(new sfn.Choice(scope, States.routeRestartAfterRollback)
    .when(sfn.Condition.isPresent('$.work.restart.skipped'), cleanup.check)
    .otherwise(restart.check));

  // One device: retried while busy; a failure after its retries is recorded and the Map goes on to the next.
  const rollbackVolume = lambdaTask(scope, States.rollbackVolume, fns['rollback-volume'], {
    payload: { 'volume.$': '$.volume', 'instanceId.$': '$.instanceId', 'poll.$': '$.poll' }, resultPath: '$.poll',
  }).addRetry(BUSY_RETRY);
  rollbackVolume.addCatch(new sfn.Pass(scope, States.rollbackVolumeFailed, {
    parameters: { 'volumeId.$': '$.volume.volumeId', 'device.$': '$.volume.device', step: 'failed', 'error.$': '$.error' },
  }), { resultPath: '$.error' });
  rollbackVolume.next(new sfn.Choice(scope, States.routeRollbackVolume)
    .when(sfn.Condition.stringEquals('$.poll.status', 'pending'),
      new sfn.Wait(scope, States.waitRollbackVolume, { time: sfn.WaitTime.secondsPath('$.poll.waitSeconds') }).next(rollbackVolume))
    .otherwise(new sfn.Pass(scope, States.volumeRestored, { outputPath: '$.poll' })));
  const rollbackVolumes = new sfn.Map(scope, States.rollbackVolumes, {
    itemsPath: '$.work.volumes', maxConcurrency: 1, resultPath: '$.work.rolledBackVolumes',
    itemSelector: { 'volume.$': '$$.Map.Item.Value', 'instanceId.$': '$.request.instanceId', poll: {} },
  }).itemProcessor(rollbackVolume);
  // The Map itself failing is not a device's failure: no restart, straight to the cleanup and the report.
  rollbackVolumes.addCatch(cleanup.check, { resultPath: '$.work.rollbackErrors.volumes' });
  rollbackVolumes.next(new sfn.Choice(scope, States.routeRollbackRestart)
    .when(sfn.Condition.booleanEquals('$.plan.instance.wasRunning', true), restartAfterRollback)
    .otherwise(cleanup.check));
  return rollbackVolumes;
}

/** Pre-copy (if running) -> stop -> final snapshots -> new volumes -> swap -> verify -> start -> cleanup -> report; rollback on failure. */
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
    resultPath: '$.work.verification', timeout: Duration.minutes(14),
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
  }).itemProcessor(swapVolume)).next(verify);

  const volumes = pollLoop(scope, { check: States.checkVolumes, route: States.routeVolumes, wait: States.waitVolumes },
    fns['check-volumes'], { 'volumes.$': '$.work.volumes', 'poll.$': poll('volumes') }, poll('volumes'), rollbackVolumes);
  guard(volumes.check);
  volumes.route.otherwise(swapVolumes);
  const createVolumes = volumeMap(States.createVolumes, States.createEncryptedVolume, fns['create-volume'], { 'strategy.$': '$.request.strategy', 'kmsKeyArn.$': '$.plan.kmsKeyArn' }).next(volumes.check);

  // After the stop (or on an instance that was stopped): nothing may have changed since, before the final snapshots.
  const takeFinalSnapshots = guard(lambdaTask(scope, States.recheckBeforeFinalSnapshots, fns['recheck-instance'], {
    payload: { ...instanceId, 'volumes.$': '$.work.volumes', next: 'the final snapshots' }, resultPath: '$.work.recheck',
  })).next(snapshotPhase('final', createVolumes));

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
