import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { FLEET_CHILD_WORKFLOWS, type FleetChildWorkflow } from '../tasks/fleet/lib/children';
import { START_CHILD_RETRY, lambdaTask } from './lib/steps';

export const FLEET_TASKS = ['validate-fleet-input', 'select-targets', 'summarize-fleet'] as const;
export type FleetTask = (typeof FLEET_TASKS)[number];

export const FleetStates = {
  validateInput: 'ValidateInput',
  selectTargets: 'SelectTargets',
  routeBySelection: 'RouteBySelection',
  noTargets: 'NoTargets',
  fleetMap: 'FleetMap',
  routeByWorkflow: 'RouteByWorkflow',
  /** One StartExecution `.sync:2` state per child workflow: `StartChild-<workflow>`. */
  startChild: (workflow: FleetChildWorkflow) => `StartChild-${workflow}`,
  summarize: 'SummarizeFleet',
  done: 'Done',
} as const;

export interface FleetChildMachine {
  machine: sfn.IStateMachine;
  /** The child's total timeout: its start task waits at most this long (plus a margin) for the child to end. */
  timeout: Duration;
}

export interface FleetResources {
  bucket: s3.IBucket;
  children: Record<FleetChildWorkflow, FleetChildMachine>;
}


export const FLEET_COMMENT = 'Fleet run: one child remediation execution per selected target (instances, VPCs or security groups) on ' +
  'a Distributed Map; each child keeps its own lock, re-checks and rollback. Plan mode writes the manifest apply can take.';

/**
 * ValidateInput -> SelectTargets (items manifest to S3) -> RouteBySelection -> FleetMap (Distributed Map over the
 * manifest: RouteByWorkflow -> StartChild-<workflow>, `.sync:2`, each child in its own history) -> SummarizeFleet.
 * FleetMap has no Catch: a run whose failures exceed the tolerance FAILS at FleetMap, so RedriveExecution reruns
 * only that Map Run's failed and not-started items (a caught failure could not be redriven).
 */
export function buildFleetDefinition(scope: Construct, fns: Record<FleetTask, IFunction>, resources: FleetResources): sfn.IChainable {
  const summarize = lambdaTask(scope, FleetStates.summarize, fns['summarize-fleet'], {
    payload: { 'request.$': '$.request', 'execution.$': '$.execution', 'selection.$': '$.selection', 'mapRun.$': '$.mapRun' },
  }).next(new sfn.Succeed(scope, FleetStates.done));
  const route = new sfn.Choice(scope, FleetStates.routeByWorkflow);
  for (const workflow of FLEET_CHILD_WORKFLOWS) {
    const child = resources.children[workflow];
    const start = new tasks.StepFunctionsStartExecution(scope, FleetStates.startChild(workflow), {
      stateMachine: child.machine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      input: sfn.TaskInput.fromJsonPathAt('$.input'),
      // A redriven item reruns this state in the same item execution, whose RedriveCount grew: a new child name,
      // since Step Functions refuses a closed execution's name.
      name: sfn.JsonPath.format('{}-r{}', sfn.JsonPath.stringAt('$.childName'), sfn.JsonPath.stringAt('$$.Execution.RedriveCount')),
      // The children's schemas are strict: no AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID field in their input.
      associateWithParent: false,
      resultSelector: { 'executionArn.$': '$.ExecutionArn', 'output.$': '$.Output' },
      resultPath: '$.child',
      taskTimeout: sfn.Timeout.duration(child.timeout.plus(Duration.minutes(5))),
    });
    start.addRetry(START_CHILD_RETRY);
    route.when(sfn.Condition.stringEquals('$.workflow', workflow), start);
  }

  // ResultWriterV2 is rendered only under its feature flag (ResultWriter, its predecessor, is deprecated): set on the
  // Map's own scope, so the flag changes nothing else of the stack.
  const mapScope = new Construct(scope, 'FleetMapScope');
  mapScope.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
  const map = new sfn.DistributedMap(mapScope, FleetStates.fleetMap, {
    comment: 'One child execution per item of the manifest SelectTargets wrote; results to the fleet bucket.',
    itemReader: new sfn.S3JsonItemReader({ bucket: resources.bucket, key: sfn.JsonPath.stringAt('$.selection.itemsKey') }),
    maxConcurrencyPath: '$.selection.maxConcurrency',
    toleratedFailurePercentagePath: '$.request.toleratedFailurePercentage',
    resultWriterV2: new sfn.ResultWriterV2({ bucket: resources.bucket, prefix: sfn.JsonPath.stringAt('$.selection.resultsPrefix') }),
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: 'Fleet',
    resultPath: '$.mapRun',
  });
  map.itemProcessor(route);
  map.next(summarize);

  return lambdaTask(scope, FleetStates.validateInput, fns['validate-fleet-input'], {
    payload: { 'input.$': '$$.Execution.Input', execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime', 'arn.$': '$$.Execution.Id' } },
  })
    .next(lambdaTask(scope, FleetStates.selectTargets, fns['select-targets'], {
      payload: { 'request.$': '$.request', 'execution.$': '$.execution' }, resultPath: '$.selection', timeout: Duration.minutes(5),
    }))
    .next(new sfn.Choice(scope, FleetStates.routeBySelection)
      .when(sfn.Condition.numberEquals('$.selection.count', 0), new sfn.Pass(scope, FleetStates.noTargets, {
        comment: 'Nothing selected: no Map Run; the summary says so.', result: sfn.Result.fromObject({}), resultPath: '$.mapRun',
      }).next(summarize))
      .otherwise(map));
}
