import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { BUSY_ERRORS, CAPACITY_ERRORS, ErrorNames } from '../tasks/lib/errors';
import { States, poll, type EncryptVolumesTask } from './encrypt-volumes-states';
import { lambdaTask, pollLoop } from './lib/steps';

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

export const capacityRetry = (r: RestartRetry): sfn.RetryProps => ({
  errors: [...CAPACITY_ERRORS], interval: r.interval, maxAttempts: r.maxAttempts, backoffRate: 2, maxDelay: r.maxDelay, jitterStrategy: sfn.JitterType.FULL,
});

/** A settle loop of the cleanup by tag (tasks/ebs/cleanup-created.ts), after success or after rollback. */
export function cleanupLoop(scope: Construct, fn: IFunction, after: 'success' | 'rollback', names: { check: string; route: string; wait: string }, then: sfn.IChainable) {
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
export function rollbackPath(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, restartRetry: RestartRetry): sfn.IChainable {
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
