import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { highCpuSpec } from '../../infra/workflows/high-cpu';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { HIGH_CPU_TASKS, States, buildHighCpuDefinition, type HighCpuTask } from '../../workflows/high-cpu';

// GIVEN the high-cpu definition built on a bare stack with stand-in functions, WHEN one state is rendered
// (stack.resolve(state.toStateJson())), THEN it is exactly the state Step Functions gets.
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const ROLLBACK = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackResize }];
const task = (name: string, fields: Record<string, unknown>) => ({
  Type: 'Task', Resource: arnOf(name), Retry: RETRY, TimeoutSeconds: 60, ...fields,
});

let stack: Stack;
const state = (name: string): Record<string, unknown> => stack.resolve((stack.node.findChild(name) as sfn.State).toStateJson()) as Record<string, unknown>;

beforeAll(() => {
  stack = new Stack();
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, `Fn-${name}`, arnOf(name));
  const fns = Object.fromEntries(HIGH_CPU_TASKS.map((t) => [t, fn(t)])) as Record<HighCpuTask, lambda.IFunction>;
  buildHighCpuDefinition(stack, fns, {
    comparePlans: fn('compare-plans'),
    lock: { acquire: fn('acquire-lock'), release: fn('release-lock'), ttlSeconds: 172_800, targetPath: '$.request.instanceId' },
  });
});

describe('the high-cpu spec', () => {
  it('locks the instance, has the approval gate and a 2-day timeout', () => {
    expect({ lock: highCpuSpec.lock, approval: highCpuSpec.approval, timeout: highCpuSpec.timeout.toSeconds() })
      .toEqual({ lock: { targetPath: '$.request.instanceId' }, approval: true, timeout: Duration.days(2).toSeconds() });
  });
});

describe('the alarm', () => {
  it('is put only when the plan changes it', () => {
    expect(state(States.routeByAlarm)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.plan.alarm.change', StringEquals: 'none', Next: States.routeByResize }], Default: States.putAlarm,
    });
    expect(state(States.putAlarm)).toEqual(task('put-alarm', {
      Parameters: { 'instanceId.$': '$.plan.instanceId', 'alarm.$': '$.plan.alarm', 'executionName.$': '$.execution.name' },
      ResultPath: '$.work.alarm', Next: States.routeByResize,
    }));
  });
});

describe('the resize', () => {
  it('runs only for a planned resize, stopping first only an instance that was running', () => {
    expect(state(States.routeByResize)).toEqual({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.plan.resize', IsPresent: true }, { Variable: '$.plan.resize.change', StringEquals: 'resize' }], Next: States.routeByInstanceState }],
      Default: States.verify,
    });
    expect(state(States.routeByInstanceState)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.plan.resize.wasRunning', BooleanEquals: true, Next: States.stopInstance }], Default: States.modifyInstanceType,
    });
  });

  it('stops, changes the type and starts again, each failure into the rollback', () => {
    expect(state(States.stopInstance)).toEqual(task('stop-instance', {
      Parameters: { 'instanceId.$': '$.plan.instanceId' }, ResultPath: '$.work.stop', Next: States.checkInstanceStopped, Catch: ROLLBACK,
    }));
    expect(state(States.modifyInstanceType)).toEqual(task('modify-instance-type', {
      Parameters: { 'instanceId.$': '$.plan.instanceId', 'from.$': '$.plan.resize.from', 'to.$': '$.plan.resize.to' },
      ResultPath: '$.work.resize', Next: States.routeAfterModify, Catch: ROLLBACK,
    }));
    // No capacity Retry: no capacity for the new type is the case for putting the original back.
    expect(state(States.startInstance)).toEqual(task('start-instance', {
      Parameters: { 'instanceId.$': '$.plan.instanceId' }, ResultPath: '$.work.start', Next: States.checkInstanceStarted, Catch: ROLLBACK,
    }));
  });

  it('waits for both status checks, and impaired checks roll back', () => {
    expect(state(States.checkStatusChecks)).toEqual(task('check-status-checks', {
      Parameters: { 'instanceId.$': '$.plan.instanceId', 'poll.$': '$.work.polls.statusChecks' }, ResultPath: '$.work.polls.statusChecks',
      Next: States.routeStatusChecks, Catch: ROLLBACK,
    }));
    expect(state(States.routeStatusChecks)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.polls.statusChecks.status', StringEquals: 'pending', Next: States.waitStatusChecks },
        { Variable: '$.work.polls.statusChecks.status', StringEquals: 'error', Next: States.statusChecksFailed },
      ],
      Default: States.verifyResize,
    });
    expect(state(States.statusChecksFailed)).toEqual({
      Type: 'Pass', Parameters: { 'Error.$': '$.work.polls.statusChecks.error.Error', 'Cause.$': '$.work.polls.statusChecks.error.Cause' },
      ResultPath: '$.work.error', Next: States.rollbackResize,
    });
  });
});

describe('the verify', () => {
  const payload = { Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.verification', Next: States.buildReport };

  it('of the alarm alone has nothing to undo: its failure is the run\'s', () => {
    expect(state(States.verify)).toEqual(task('verify', payload));
  });

  it('after a resize, of a running or a stopped instance, rolls the resize back when it fails', () => {
    expect(state(States.routeAfterModify)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.plan.resize.wasRunning', BooleanEquals: true, Next: States.startInstance }], Default: States.verifyResize,
    });
    expect(state(States.verifyResize)).toEqual(task('verify', { ...payload, Catch: ROLLBACK }));
  });
});

describe('the rollback', () => {
  it('polls until the original type is back and the instance as it was, then fails RemediationRolledBack with the report', () => {
    expect(state(States.rollbackResize)).toEqual(task('rollback-resize', {
      Parameters: { 'instanceId.$': '$.plan.instanceId', 'from.$': '$.plan.resize.from', 'wasRunning.$': '$.plan.resize.wasRunning', 'poll.$': '$.work.polls.rollback' },
      ResultPath: '$.work.polls.rollback', Next: States.routeRollbackResize,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackError', Next: States.describeRollbackFailed }],
    }));
    expect(state(States.buildRollbackReport)).toEqual(task('build-report', {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work', 'rollback.$': '$.work.polls.rollback' },
      ResultPath: '$.work.report', Next: States.describeRolledBack,
    }));
    expect(state(States.rolledBack)).toEqual({ Type: 'Fail', Error: 'RemediationRolledBack', CausePath: '$.work.rolledBack.cause' });
  });

  it('that fails itself ends RollbackFailedError saying what to do', () => {
    expect(state(States.rollbackFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.rollbackFailed.cause' });
    expect(state(States.describeRollbackFailed)).toEqual({
      Type: 'Pass', ResultPath: '$.work.rollbackFailed', Next: States.rollbackFailed,
      Parameters: {
        'cause.$': "States.Format('the resize of {} failed ({}: {}) and putting it back failed too ({}: {}). What to do: make sure the instance is type {} and as it was before (running: {}); if not, stop it, set its type to {} and start it. The CPU alarm is kept.', $.plan.instanceId, $.work.error.Error, $.work.error.Cause, $.work.rollbackError.Error, $.work.rollbackError.Cause, $.plan.resize.from, $.plan.resize.wasRunning, $.plan.resize.from)",
      },
    });
  });
});
