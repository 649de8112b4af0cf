import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { EventPattern } from './lib/event-pattern';
import { lambdaTask } from './lib/steps';

export const TRIAGE_TASKS = ['parse-start-event', 'start-chunk-triages', 'assess-instance', 'start-child', 'build-triage-report'] as const;
export type TriageTask = (typeof TRIAGE_TASKS)[number];

/**
 * Every CloudTrail StartInstances management event, whoever made it (IAM user, assumed role,
 * root, AWS service) and whether it succeeded (failed attempts carry `errorCode` and no
 * `responseElements`). Only fields every matcher agrees on: no array-of-object fields.
 */
export const START_INSTANCES_PATTERN: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['ec2.amazonaws.com'], eventName: ['StartInstances'] },
};

export const States = {
  parseStartEvent: 'ParseStartEvent',
  initInstances: 'InitInstances',
  routeEvent: 'RouteEvent',
  startChunkTriages: 'StartChunkTriages',
  assessInstances: 'AssessInstances',
  assessInstance: 'AssessInstance',
  startRemediations: 'StartRemediations',
  routeRemediation: 'RouteRemediation',
  startChild: 'StartChild',
  reportOnly: 'ReportOnly',
  routePrincipal: 'RoutePrincipal',
  startContainment: 'StartContainment',
  routeIsolation: 'RouteIsolation',
  isolateInstances: 'IsolateInstances',
  startIsolation: 'StartIsolation',
  routeChunks: 'RouteChunks',
  buildTriageReport: 'BuildTriageReport',
  done: 'Done',
} as const;

export const TRIAGE_COMMENT = 'Triage of a CloudTrail StartInstances event (delivered by EventBridge): assesses each started ' +
  'instance (at most 50 per execution; further chunks go to child triage executions) and starts the child remediations ' +
  'its policy allows; instances started by our own workflows, and events of other accounts or regions, are not triaged.';

export function buildTriageDefinition(scope: Construct, fns: Record<TriageTask, IFunction>): sfn.IChainable {
  const report = lambdaTask(scope, States.buildTriageReport, fns['build-triage-report'], {
    payload: { 'facts.$': '$.facts', execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' }, 'instances.$': '$.instances' },
  }).next(new sfn.Succeed(scope, States.done));

  const startChild = lambdaTask(scope, States.startChild, fns['start-child'], {
    payload: {
      'workflow.$': '$.remediation.workflow',
      'target.$': '$.remediation.target',
      'parentStartTime.$': '$.parentStartTime',
      'decision.$': '$.remediation.decision',
      input: {
        trigger: { source: 'eventbridge', 'principal.$': '$.principal', 'eventId.$': '$.eventId', 'parentExecution.$': '$.parentExecution' },
      },
    },
  });
  const startRemediations = new sfn.Map(scope, States.startRemediations, {
    itemsPath: '$.assessment.remediations',
    maxConcurrency: 1,
    itemSelector: {
      'remediation.$': '$$.Map.Item.Value', 'instanceId.$': '$.instanceId', 'principal.$': '$.principal',
      'eventId.$': '$.eventId', 'parentExecution.$': '$.parentExecution', 'parentStartTime.$': '$.parentStartTime',
    },
    resultPath: '$.children',
  }).itemProcessor(new sfn.Choice(scope, States.routeRemediation)
    .when(sfn.Condition.not(sfn.Condition.stringEquals('$.remediation.decision', 'report')), startChild)
    .otherwise(new sfn.Pass(scope, States.reportOnly, { result: sfn.Result.fromObject({ reported: true }) })));
  const assessInstances = new sfn.Map(scope, States.assessInstances, {
    itemsPath: '$.facts.instanceIds',
    maxConcurrency: 5,
    itemSelector: {
      'instanceId.$': '$$.Map.Item.Value', 'principal.$': '$.facts.principal.arn', 'eventId.$': '$.facts.eventId',
      'parentExecution.$': '$$.Execution.Id', 'parentStartTime.$': '$$.Execution.StartTime',
    },
    resultPath: '$.instances',
  }).itemProcessor(lambdaTask(scope, States.assessInstance, fns['assess-instance'], {
    payload: { 'instanceId.$': '$.instanceId', 'principalArn.$': '$.principal' }, resultPath: '$.assessment',
  }).next(startRemediations));
  // The event's principal, once per event (not per instance): contain-principal, named by the case so a second delivery starts none.
  const startContainment = lambdaTask(scope, States.startContainment, fns['start-child'], {
    payload: {
      'workflow.$': '$.facts.containment.workflow',
      'target.$': '$.facts.containment.target',
      'decision.$': '$.facts.containment.decision',
      'caseId.$': '$.facts.containment.caseId',
      'parentStartTime.$': '$$.Execution.StartTime',
      'caller.$': '$.facts.containment.caller',
      input: {
        trigger: { source: 'eventbridge', 'principal.$': '$.facts.principal.arn', 'eventId.$': '$.facts.eventId', 'parentExecution.$': '$$.Execution.Id' },
      },
    },
    resultPath: '$.facts.containmentChild',
  });

  // Then each instance of this execution: isolate-instance, named by the case and the instance (a second delivery starts none).
  const isolateInstances = new sfn.Map(scope, States.isolateInstances, {
    itemsPath: '$.facts.instanceIds',
    maxConcurrency: 5,
    itemSelector: {
      'instanceId.$': '$$.Map.Item.Value', 'isolation.$': '$.facts.isolation', 'principal.$': '$.facts.principal.arn', 'eventId.$': '$.facts.eventId',
      'parentExecution.$': '$$.Execution.Id', 'parentStartTime.$': '$$.Execution.StartTime',
    },
    resultPath: '$.facts.isolationChildren',
  }).itemProcessor(lambdaTask(scope, States.startIsolation, fns['start-child'], {
    payload: {
      'workflow.$': '$.isolation.workflow',
      'target.$': '$.instanceId',
      'decision.$': '$.isolation.decision',
      'caseId.$': '$.isolation.caseId',
      'parentStartTime.$': '$.parentStartTime',
      input: {
        trigger: { source: 'eventbridge', 'principal.$': '$.principal', 'eventId.$': '$.eventId', 'parentExecution.$': '$.parentExecution' },
      },
    },
  }));

  // The other chunks of a large event, each its own triage execution. The task reads the event from the
  // context object (at the top level: in a Map iteration aws-local-stepfunctions gives $$.Execution.Input
  // the iteration's input), so the list never enters the state; its counts are dropped (the names are in facts).
  const startChunkTriages = lambdaTask(scope, States.startChunkTriages, fns['start-chunk-triages'], {
    payload: { 'event.$': '$$.Execution.Input', 'parentExecution.$': '$$.Execution.Id' }, resultPath: sfn.JsonPath.DISCARD,
  });
  startChunkTriages.next(assessInstances);
  assessInstances.next(report);
  const routeChunks = new sfn.Choice(scope, States.routeChunks)
    .when(sfn.Condition.isPresent('$.facts.childTriages[0]'), startChunkTriages)
    .otherwise(assessInstances);
  // After the principal, before the assessments: the instances it started are isolated even if one cannot be assessed.
  isolateInstances.next(routeChunks);
  const routeIsolation = new sfn.Choice(scope, States.routeIsolation)
    .when(sfn.Condition.and(
      sfn.Condition.isPresent('$.facts.isolation'),
      sfn.Condition.not(sfn.Condition.stringEquals('$.facts.isolation.decision', 'report')),
    ), isolateInstances)
    .otherwise(routeChunks);
  // The principal first: an assessment that fails (an instance that cannot be read) never keeps a stolen key active.
  const routePrincipal = new sfn.Choice(scope, States.routePrincipal)
    .when(sfn.Condition.and(
      sfn.Condition.isPresent('$.facts.containment'),
      sfn.Condition.not(sfn.Condition.stringEquals('$.facts.containment.decision', 'report')),
    ), startContainment.next(routeIsolation))
    .otherwise(routeIsolation);

  // The facts replace the event: nothing after this state grows with the event's size.
  return lambdaTask(scope, States.parseStartEvent, fns['parse-start-event'], { payload: { 'event.$': '$$.Execution.Input' } })
    .next(new sfn.Pass(scope, States.initInstances, { parameters: { 'facts.$': '$', instances: [] } }))
    .next(new sfn.Choice(scope, States.routeEvent)
      .when(sfn.Condition.or(
        sfn.Condition.booleanEquals('$.facts.startedByUs', true),
        sfn.Condition.booleanEquals('$.facts.attemptFailed', true),
        sfn.Condition.isPresent('$.facts.refused'),
      ), report)
      .otherwise(routePrincipal));
}
