import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { CONTAIN_PRINCIPAL_TASKS, States, buildContainPrincipalDefinition, type ContainPrincipalTask } from '../../workflows/contain-principal';

// GIVEN the contain-principal definition built from its own builder on a bare stack (stand-in functions), WHEN its
// states are rendered, THEN each state's JSON is exactly what the workflow promises. Milliseconds: no app synthesis.
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:111122223333:function:${name}`;

let states: Record<string, Record<string, unknown>>;
beforeAll(() => {
  const stack = new Stack();
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, name, arnOf(name));
  const fns = Object.fromEntries(CONTAIN_PRINCIPAL_TASKS.map((t) => [t, fn(t)])) as Record<ContainPrincipalTask, lambda.IFunction>;
  const definition = buildContainPrincipalDefinition(stack, fns, {
    lock: { acquire: fn('acquire-lock'), release: fn('release-lock'), ttlSeconds: 144000, targetPath: '$.lockTarget' }, comparePlans: fn('compare-plans'),
  });
  const graph = new sfn.StateGraph(sfn.Chain.start(definition).startState, 'contain-principal');
  const json = stack.resolve(graph.toGraphJson()) as { States: Record<string, Record<string, unknown>> };
  // The Remediation branch's states live inside the Parallel: flatten them beside the top level.
  const parallel = json.States.Remediation as { Branches: { States: Record<string, Record<string, unknown>> }[] };
  states = { ...json.States, ...parallel.Branches[0]?.States };
});

const state = (name: string) => {
  const found = states[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
};
// lambdaTask invokes with payloadResponseOnly: Resource is the function itself, Parameters the payload.
const invoke = (name: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: arnOf(name), Retry: RETRY, TimeoutSeconds: 60, ...fields });

describe('contain-principal state machine', () => {
  it('locks on the principal ValidateInput names', () => {
    expect(state('AcquireLock')).toEqual(invoke('acquire-lock', {
      Parameters: { workflow: 'contain-principal', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 144000, 'target.$': '$.lockTarget' },
      ResultPath: '$.lock', Next: 'Remediation',
    }));
  });

  it('plans from the request, the case id and the principal', () => {
    expect(state(States.planContainment)).toEqual(invoke('plan-containment', {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'caseId.$': '$.caseId', 'principal.$': '$.principal' },
      ResultPath: '$.plan', Next: States.initWork,
    }));
  });

  it('routes: nothing to do to the report, approval: true to a person first, then by action', () => {
    expect(state(States.routeByPlan)).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport },
        { Variable: '$.request.approval', BooleanEquals: true, Next: States.requestApproval },
      ],
      Default: States.routeByAction,
    });
  });

  it('an approved plan, made again and unchanged, continues at the same routing by action (a release stays a release)', () => {
    expect(state('ComparePlansAfterApproval').Next).toBe(States.routeByAction);
    expect(state(States.routeByAction)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.plan.action', StringEquals: 'notify-root', Next: States.notifyRoot },
        { Variable: '$.plan.action', StringEquals: 'release', Next: States.releaseKeys },
      ],
      Default: States.saveCase,
    });
  });

  it('saves the case before the first change, then contains, then verifies', () => {
    expect(state(States.saveCase)).toEqual(invoke('save-case', {
      Parameters: { 'executionName.$': '$$.Execution.Name', 'plan.$': '$.plan' }, ResultPath: '$.work.saved', Next: States.applyContainment,
    }));
    expect(state(States.applyContainment)).toEqual(invoke('apply-containment', {
      Parameters: { 'plan.$': '$.plan', 'saved.$': '$.work.saved' }, ResultPath: '$.work.applied', Next: States.verifyContainment,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.describePartialContainment }],
    }));
    expect(state(States.verifyContainment)).toEqual(invoke('verify-principal', { Parameters: { 'plan.$': '$.plan', 'saved.$': '$.work.saved' }, ResultPath: '$.work.verified', Next: States.buildReport }));
  });

  it('a containment that stops part-way keeps what it did and fails naming the case to release', () => {
    expect(state(States.describePartialContainment)).toEqual({
      Type: 'Pass', ResultPath: '$.work.error', Next: States.containmentIncomplete,
      Parameters: { 'Error.$': '$.work.error.Error', 'Cause.$': "States.Format('containment stopped part-way ({}); what was changed is kept and recorded in case {}: undo it with input release.caseId = {}', $.work.error.Cause, $.plan.caseId, $.plan.caseId)" },
    });
    expect(state(States.containmentIncomplete)).toEqual({ Type: 'Fail', ErrorPath: '$.work.error.Error', CausePath: '$.work.error.Cause' });
  });

  it('root: notify, then report; release: reactivate the keys, verify, report', () => {
    expect(state(States.notifyRoot)).toEqual(invoke('notify-root', {
      Parameters: { 'executionName.$': '$$.Execution.Name', 'plan.$': '$.plan' }, ResultPath: '$.work.notified', Next: States.buildReport,
    }));
    expect(state(States.releaseKeys)).toEqual(invoke('release-keys', {
      Parameters: { 'executionName.$': '$$.Execution.Name', 'plan.$': '$.plan' }, ResultPath: '$.work.released', Next: States.verifyRelease,
    }));
    expect(state(States.verifyRelease)).toEqual(invoke('verify-principal', { Parameters: { 'plan.$': '$.plan', 'saved.$': '$.work.saved' }, ResultPath: '$.work.verified', Next: States.buildReport }));
  });

  it('after the lock is released, a release waits until the stolen sessions have expired, then removes the deny', () => {
    expect(state(States.releaseLock).Next).toBe(States.routeBySessionDeny);
    expect(state(States.routeBySessionDeny)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.sessionDeny.removeAt', IsPresent: true, Next: States.waitForSessionsToExpire }], Default: States.done,
    });
    expect(state(States.waitForSessionsToExpire)).toEqual({ Type: 'Wait', TimestampPath: '$.sessionDeny.removeAt', Next: States.removeSessionDeny });
    expect(state(States.removeSessionDeny)).toEqual(invoke('remove-session-deny', {
      Parameters: { 'caseId.$': '$.caseId' }, ResultPath: '$.sessionDeny.removal', Next: States.done,
    }));
  });
});
