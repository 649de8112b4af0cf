import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { refreshAmiSpec } from '../../infra/workflows/refresh-ami';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { REFRESH_AMI_TASKS, States, type RefreshAmiTask } from '../../workflows/refresh-ami';

// GIVEN the refresh-ami definition built by its spec on a bare stack, with stand-in functions,
// WHEN each state is rendered, THEN its JSON is exactly what Step Functions runs.
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
let states: Record<string, Record<string, unknown>>;
beforeAll(() => {
  const stack = new Stack();
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, `Fn-${name}`, arn(name));
  const fns = Object.fromEntries(REFRESH_AMI_TASKS.map((t) => [t, fn(t)])) as Record<RefreshAmiTask, lambda.IFunction>;
  const lock = refreshAmiSpec.lock ?? {};
  const kit = { lock: { acquire: fn('acquire-lock'), release: fn('release-lock'), ttlSeconds: refreshAmiSpec.timeout.toSeconds(), ...lock } };
  const definition = refreshAmiSpec.definition(stack, fns, {}, kit);
  const graph = new sfn.StateGraph(definition.startState, 'refresh-ami');
  states = (stack.resolve(graph.toGraphJson()) as { States: Record<string, Record<string, unknown>> }).States;
  // Inside the lock's Parallel: the branch's states.
  const branch = (states[S.remediation]?.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined)?.[0];
  states = { ...states, ...branch?.States };
});

/** A Lambda task (payloadResponseOnly) with our Retry and timeout. */
const lambdaTask = (name: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: arn(name), Retry: RETRY, TimeoutSeconds: 60, ...fields });

describe('refresh-ami state machine', () => {
  it('a report (read-only) or a plan takes no lock; a backup locks its instance for the machine\'s 5 days', () => {
    expect(states[S.routeByMode]).toEqual({
      Type: 'Choice',
      Choices: [{ Or: [{ Variable: '$.request.mode', StringEquals: 'plan' }, { Variable: '$.request.readOnly', BooleanEquals: true }], Next: S.withoutLock }],
      Default: S.acquireLock,
    });
    expect((states[S.acquireLock]?.Parameters as Record<string, unknown>)).toEqual({
      workflow: 'refresh-ami', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 5 * 86400, 'target.$': '$.request.instanceId',
    });
  });

  it('plans (backup or report), then goes to the report unless PROCEED', () => {
    expect(states[States.planRefreshAmi]).toEqual(lambdaTask('plan-refresh-ami', {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution' }, ResultPath: '$.plan', Next: States.initWork,
    }));
    expect(states[States.initWork]).toEqual({ Type: 'Pass', Parameters: { poll: {} }, ResultPath: '$.work', Next: States.routeByPlan });
    expect(states[States.routeByPlan]).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }], Default: States.createImage,
    });
  });

  it('CreateImage: a refused re-check ends without cleanup (nothing was made); any other failure cleans up by the plan\'s name', () => {
    expect(states[States.createImage]).toEqual(lambdaTask('create-image', {
      Parameters: { 'plan.$': '$.plan', 'execution.$': '$.execution' }, ResultPath: '$.work.image', Next: States.checkImage,
      Catch: [
        { ErrorEquals: ['PlanChangedError', 'PreconditionFailedError'], ResultPath: '$.work.error', Next: States.imageNotTaken },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.cleanupImage },
      ],
    }));
    expect(states[States.imageNotTaken]).toEqual({ Type: 'Fail', ErrorPath: '$.work.error.Error', CausePath: '$.work.error.Cause' });
  });

  it('waits for the image: pending -> Wait (SecondsPath) -> check; error -> cleanup; available -> verify; a failed check (budget) -> cleanup', () => {
    expect(states[States.checkImage]).toEqual(lambdaTask('check-image', {
      Parameters: { 'image.$': '$.work.image', 'workGiB.$': '$.plan.workGiB', 'poll.$': '$.work.poll' }, ResultPath: '$.work.poll', Next: States.routeImageState,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.cleanupImage }],
    }));
    expect(states[States.routeImageState]).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.poll.status', StringEquals: 'pending', Next: States.waitForImage },
        { Variable: '$.work.poll.status', StringEquals: 'error', Next: States.describeImageFailure },
      ],
      Default: States.verifyImage,
    });
    expect(states[States.waitForImage]).toEqual({ Type: 'Wait', SecondsPath: '$.work.poll.waitSeconds', Next: States.checkImage });
    expect(states[States.describeImageFailure]).toEqual({
      Type: 'Pass', Parameters: { 'Error.$': '$.work.poll.error.Error', 'Cause.$': '$.work.poll.error.Cause' }, ResultPath: '$.work.error', Next: States.cleanupImage,
    });
  });

  it('verifies before the report; a verify failure keeps the image (no cleanup) and fails the execution', () => {
    expect(states[States.verifyImage]).toEqual(lambdaTask('verify-image', {
      Parameters: { 'plan.$': '$.plan', 'image.$': '$.work.image' }, ResultPath: '$.work.verified', Next: States.buildReport,
    }));
  });

  it('the cleanup ends FAILED with its own verdict (RemediationRolledBack or RollbackFailedError); if it fails itself, RollbackFailedError', () => {
    expect(states[States.cleanupImage]).toEqual(lambdaTask('cleanup-image', {
      Parameters: { 'plan.$': '$.plan', 'work.$': '$.work', 'error.$': '$.work.error' }, ResultPath: '$.work.cleanup', Next: States.imageCleanedUp,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.cleanupError', Next: States.cleanupFailed }],
    }));
    expect(states[States.imageCleanedUp]).toEqual({ Type: 'Fail', ErrorPath: '$.work.cleanup.error', CausePath: '$.work.cleanup.cause' });
    expect(states[States.cleanupFailed]).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.cleanupError.Cause' });
  });
});
