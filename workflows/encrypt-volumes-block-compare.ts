/**
 * The copy strategy's block comparisons (tasks/ebs/compare-blocks.ts), one Map over the volumes per phase:
 * before the stop the pre-copy snapshot against its encrypted copy in full, while the instance runs; after the
 * final copies only the blocks changed since, so the comparison inside the downtime window grows with the churn,
 * not the volume size. Each volume loops task -> Choice -> task while its comparison is `pending` (a page budget
 * per invocation), with no Wait: nothing is waited for, the loop only keeps every invocation short.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { States } from './encrypt-volumes-states';
import { lambdaTask } from './lib/steps';

export const BLOCK_COMPARE_CONCURRENCY = 10;
/** The state's timeout: above the function's own (tasks' spec), which the page budget keeps far from. */
export const COMPARE_TIMEOUT = Duration.minutes(14);

const NAMES = {
  'pre-copy': { map: States.comparePreCopyBlocks, task: States.comparePreCopyPair, route: States.routePreCopyPair, done: States.preCopyPairCompared, field: 'preCopyBlocks' },
  final: { map: States.compareFinalBlocks, task: States.compareFinalPair, route: States.routeFinalPair, done: States.finalPairCompared, field: 'finalBlocks' },
} as const;

export function compareBlocksMap(scope: Construct, fn: IFunction, phase: 'pre-copy' | 'final'): sfn.Map {
  const n = NAMES[phase];
  const compare = lambdaTask(scope, n.task, fn, { payload: { 'volume.$': '$.volume', phase }, resultPath: '$.volume', timeout: COMPARE_TIMEOUT });
  compare.next(new sfn.Choice(scope, n.route)
    .when(sfn.Condition.stringEquals(`$.volume.${n.field}.status`, 'pending'), compare)
    .otherwise(new sfn.Pass(scope, n.done, { outputPath: '$.volume' })));
  return new sfn.Map(scope, n.map, {
    itemsPath: '$.work.volumes', maxConcurrency: BLOCK_COMPARE_CONCURRENCY, resultPath: '$.work.volumes',
    itemSelector: { 'volume.$': '$$.Map.Item.Value' },
  }).itemProcessor(compare);
}
