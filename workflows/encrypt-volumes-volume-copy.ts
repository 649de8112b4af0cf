/**
 * The `volume-copy` strategy's own states (the branch points are in workflows/encrypt-volumes.ts):
 * after the stop, one encrypted CopyVolumes per volume, queued while EC2 has too many copies in flight;
 * after the swap, one read of the copies' initialization for the report.
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

/** After the swap: with volume-copy, read the initialization (reported only: its failure is recorded, never rolled back); then `verify`. */
export function afterSwap(scope: Construct, fns: Record<EncryptVolumesTask, IFunction>, verify: sfn.IChainable): sfn.Choice {
  const read = lambdaTask(scope, States.readVolumeInitialization, fns['volume-initialization'], {
    payload: { 'volumes.$': '$.work.volumes' }, resultPath: '$.work.initialization',
  }).addCatch(verify, { resultPath: '$.work.initializationError' });
  return new sfn.Choice(scope, States.routeAfterSwap).when(isVolumeCopy, read.next(verify)).otherwise(verify);
}
