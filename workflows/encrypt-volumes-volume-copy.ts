/**
 * The `volume-copy` strategy's own states (the branch points are in workflows/encrypt-volumes.ts):
 * after the stop, one encrypted CopyVolumes per volume, queued while EC2 has too many copies in flight;
 * after the swap, a first read of the copies' initialization for the report; after the lock is released, the
 * initialization followed until every copy has initialized or the budget of reads is spent.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { COPY_VOLUMES_LIMIT_EXCEEDED } from '../tasks/ebs/lib/volume-copy';
import { States, type EncryptVolumesTask } from './encrypt-volumes-states';
import { lambdaTask } from './lib/steps';

export const VOLUME_COPY = 'volume-copy';
export const isVolumeCopy = sfn.Condition.stringEquals('$.request.strategy', VOLUME_COPY);

/**
 * EC2 takes one copy per source volume and five per region in flight (until each copy has initialized):
 * beyond that CopyVolumes is refused, and the copy waits its turn here. 30 + 60 + 120 + 240 + 300 x 4 s:
 * at most about 27 minutes of queueing (full jitter waits less), then the refusal goes to rollback. The
 * instance is stopped meanwhile, so the budget is short (README: "volume-copy limits").
 */
export const COPY_QUEUE_RETRY: sfn.RetryProps = {
  errors: [COPY_VOLUMES_LIMIT_EXCEEDED], interval: Duration.seconds(30), maxAttempts: 8, backoffRate: 2, maxDelay: Duration.minutes(5),
  jitterStrategy: sfn.JitterType.FULL,
};

/** CopyVolumes for every volume (the Map), each queued on the limit; `guard` adds the rollback Catch. */
export function copyVolumesMap(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, maxConcurrency: number): sfn.Map {
  const copy = lambdaTask(scope, States.copyVolume, fns['copy-volume'], {}).addRetry(COPY_QUEUE_RETRY);
  return new sfn.Map(scope, States.copyVolumes, {
    itemsPath: '$.work.volumes', maxConcurrency, resultPath: '$.work.volumes',
    itemSelector: { 'volume.$': '$$.Map.Item.Value', 'executionName.$': '$.execution.name', 'kmsKeyArn.$': '$.plan.kmsKeyArn' },
  }).itemProcessor(copy);
}

/** After the swap: with volume-copy, the first read of the initialization (reported only: its failure is recorded, never rolled back); then `verify`. */
export function afterSwap(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, verify: sfn.IChainable): sfn.Choice {
  const read = lambdaTask(scope, States.readVolumeInitialization, fns['volume-initialization'], {
    payload: { 'volumes.$': '$.work.volumes' }, resultPath: '$.work.initialization',
  }).addCatch(verify, { resultPath: '$.work.initializationError' });
  return new sfn.Choice(scope, States.routeAfterSwap).when(isVolumeCopy, read.next(verify)).otherwise(verify);
}

/**
 * After ReleaseLock (the instance started, the cleanup done, the lock released; the state is the report):
 * while the report's initialization is `initializing`, WaitVolumeInitialization (the read's waitSeconds) ->
 * CheckVolumeInitialization (the read before it in, the next read out, over `$.initialization`) ->
 * RouteVolumeInitialization; then Done with the final read in the report. A read that keeps failing ends
 * the follow-up, recorded as `initializationFollowError`: the remediation itself has succeeded.
 */
export function followInitialization(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>): sfn.Choice {
  const done = new sfn.Succeed(scope, States.done);
  const initializing = sfn.Condition.stringEquals('$.initialization.status', 'initializing');
  const wait = new sfn.Wait(scope, States.waitVolumeInitialization, { time: sfn.WaitTime.secondsPath('$.initialization.waitSeconds') });
  const check = lambdaTask(scope, States.checkVolumeInitialization, fns['volume-initialization'], {
    payload: { 'previous.$': '$.initialization' }, resultPath: '$.initialization',
  }).addCatch(done, { resultPath: '$.initializationFollowError' });
  wait.next(check).next(new sfn.Choice(scope, States.routeVolumeInitialization).when(initializing, wait).otherwise(done));
  return new sfn.Choice(scope, States.routeAfterRelease)
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.initialization.status'), initializing), wait)
    .otherwise(done);
}
