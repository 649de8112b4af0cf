import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { EXPIRE_RETAINED_TASKS, States, buildExpireRetainedDefinition, type ExpireRetainedTask } from '../../workflows/expire-retained';
import { SkeletonStates } from '../../workflows/lib/skeleton';

// GIVEN the expire-retained definition built on a bare Stack with stand-in functions, WHEN its states are rendered,
// THEN each is exactly as below (fast: no synthesis of the app).
const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
/** A Lambda task as lambdaTask renders it (payloadResponseOnly: the function itself is the Resource, the payload its Parameters). */
const task = (fn: string, payload: Record<string, unknown>, fields: Record<string, unknown>) => ({
  Type: 'Task', Resource: arn(fn), Parameters: payload, Retry: RETRY, TimeoutSeconds: 60, ...fields,
});

let states: Record<string, Record<string, unknown>>;
beforeAll(() => {
  const stack = new Stack();
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, name, arn(name));
  const fns = Object.fromEntries(EXPIRE_RETAINED_TASKS.map((t) => [t, fn(t)])) as Record<ExpireRetainedTask, lambda.IFunction>;
  const chain = buildExpireRetainedDefinition(stack, fns, { lock: { acquire: fn('acquire-lock'), release: fn('release-lock'), ttlSeconds: 3600 } });
  const graph = new sfn.StateGraph(chain.startState, 'expire-retained');
  const json = stack.resolve(graph.toGraphJson()) as { States: Record<string, Record<string, unknown>> };
  const flatten = (s: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> => Object.assign({}, s,
    ...Object.values(s).flatMap((state) => ((state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]).map((b) => flatten(b.States))));
  states = flatten(json.States);
});
const state = (name: string) => {
  const found = states[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
};

describe('expire-retained states', () => {
  it('takes the account-level lock: no target, so the key is <account>/<region>/expire-retained', () => {
    expect(state(SkeletonStates.acquireLock)).toEqual(task('acquire-lock', {
      workflow: 'expire-retained', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 3600,
    }, { ResultPath: '$.lock', Next: SkeletonStates.remediation }));
  });

  it('plans from the request, keeps the plan at $.plan, and routes NO_ACTION / PLANNED straight to the report', () => {
    expect(state(States.planExpiry)).toEqual(task('plan-expiry', { 'request.$': '$.request', 'execution.$': '$.execution' }, { ResultPath: '$.plan', Next: States.initWork }));
    expect(state(States.initWork)).toEqual({ Type: 'Pass', Parameters: { deleted: { deleted: [], refused: [] } }, ResultPath: '$.work', Next: States.routeByPlan });
    expect(state(States.routeByPlan)).toEqual({
      Type: 'Choice', Default: States.deleteExpired,
      Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }],
    });
  });

  it('deletes (from the plan, re-judged in the task), then verifies, then reports: no Catch, since a deletion cannot be undone', () => {
    expect(state(States.deleteExpired)).toEqual(task('delete-expired', { 'plan.$': '$.plan' }, { ResultPath: '$.work.deleted', Next: States.verifyDeleted }));
    expect(state(States.verifyDeleted)).toEqual(task('verify-expired', { 'deleted.$': '$.work.deleted' }, { ResultPath: '$.work.verified', Next: States.buildReport }));
    // Inside the lock's Parallel branch: the branch ends with the report, then ReleaseLock.
    expect(state(States.buildReport)).toEqual(task('build-expiry-report', {
      'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work',
    }, { End: true }));
  });
});
