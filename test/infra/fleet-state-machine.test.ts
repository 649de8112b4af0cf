import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FLEET_CHILD_WORKFLOWS } from '../../tasks/fleet/lib/children';
import { FLEET_TASKS, FleetStates, buildFleetDefinition, type FleetTask } from '../../workflows/fleet';

// GIVEN the fleet definition built from its own builder on a bare stack (stand-in functions, machines and bucket),
// WHEN its states are rendered, THEN the Distributed Map and its child starts are exactly what the fleet promises.
const ACCOUNT = '111122223333';
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
const machineArn = (workflow: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:remediation-${workflow}`;
const SYNC_START = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::states:startExecution.sync:2']] };

let states: Record<string, Record<string, unknown>>;
beforeAll(() => {
  const stack = new Stack();
  const fns = Object.fromEntries(FLEET_TASKS.map((t) => [t, lambda.Function.fromFunctionArn(stack, t, arnOf(t))])) as Record<FleetTask, lambda.IFunction>;
  const children = Object.fromEntries(FLEET_CHILD_WORKFLOWS.map((w, i) => [w, {
    machine: sfn.StateMachine.fromStateMachineArn(stack, w, machineArn(w)), timeout: Duration.hours(i + 1),
  }])) as never;
  const definition = buildFleetDefinition(stack, fns, { bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'fleet-bucket'), children });
  const graph = new sfn.StateGraph(sfn.Chain.start(definition).startState, 'fleet');
  states = (stack.resolve(graph.toGraphJson()) as { States: Record<string, Record<string, unknown>> }).States;
});

describe('fleet state machine', () => {
  it('FleetMap: a DISTRIBUTED Map of STANDARD child executions over the S3 JSON manifest, results written to the fleet bucket', () => {
    const { ItemProcessor, ...map } = states[FleetStates.fleetMap] as Record<string, unknown> & { ItemProcessor: Record<string, unknown> };
    expect(map).toEqual({
      Type: 'Map',
      Comment: 'One child execution per item of the manifest SelectTargets wrote; results to the fleet bucket.',
      ItemReader: {
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::s3:getObject']] },
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'fleet-bucket', 'Key.$': '$.selection.itemsKey' },
      },
      MaxConcurrencyPath: '$.selection.maxConcurrency',
      ToleratedFailurePercentagePath: '$.request.toleratedFailurePercentage',
      ResultWriter: {
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::s3:putObject']] },
        Parameters: { Bucket: 'fleet-bucket', 'Prefix.$': '$.selection.resultsPrefix' },
      },
      Label: 'Fleet',
      ResultPath: '$.mapRun',
      Next: FleetStates.summarize,
    });
    // no Retry and no Catch: a run past its tolerance fails here, where RedriveExecution can rerun its failed items
    expect(ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(ItemProcessor.StartAt).toBe(FleetStates.routeByWorkflow);
  });

  it('each child workflow has its own .sync:2 start, named per item and redrive, retried only on start throttling', () => {
    const processor = (states[FleetStates.fleetMap] as { ItemProcessor: { States: Record<string, Record<string, unknown>> } }).ItemProcessor.States;
    expect(processor[FleetStates.routeByWorkflow]).toEqual({
      Type: 'Choice',
      Choices: FLEET_CHILD_WORKFLOWS.map((w) => ({ Variable: '$.workflow', StringEquals: w, Next: FleetStates.startChild(w) })),
    });
    FLEET_CHILD_WORKFLOWS.forEach((workflow, i) => {
      expect(processor[FleetStates.startChild(workflow)]).toEqual({
        Type: 'Task',
        Resource: SYNC_START,
        Parameters: { StateMachineArn: machineArn(workflow), 'Input.$': '$.input', 'Name.$': "States.Format('{}-r{}', $.childName, $$.Execution.RedriveCount)" },
        ResultSelector: { 'executionArn.$': '$.ExecutionArn', 'output.$': '$.Output' },
        ResultPath: '$.child',
        TimeoutSeconds: (i + 1) * 3600 + 300,
        Retry: [{
          ErrorEquals: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.ThrottlingException', 'StepFunctions.SfnException'],
          IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL',
        }],
        End: true,
      });
    });
  });

  it('select, route, summarize: an empty selection skips the Map and is still summarized', () => {
    expect(states[FleetStates.selectTargets]).toMatchObject({
      Type: 'Task', Resource: arnOf('select-targets'), Parameters: { 'request.$': '$.request', 'execution.$': '$.execution' },
      ResultPath: '$.selection', TimeoutSeconds: 300, Next: FleetStates.routeBySelection,
    });
    expect(states[FleetStates.routeBySelection]).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.selection.count', NumericEquals: 0, Next: FleetStates.noTargets }], Default: FleetStates.fleetMap,
    });
    expect(states[FleetStates.noTargets]).toMatchObject({ Type: 'Pass', Result: {}, ResultPath: '$.mapRun', Next: FleetStates.summarize });
    expect(states[FleetStates.summarize]).toMatchObject({
      Type: 'Task', Resource: arnOf('summarize-fleet'),
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'selection.$': '$.selection', 'mapRun.$': '$.mapRun' },
      Next: FleetStates.done,
    });
  });
});
