import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';

/** Retry for transient AWS errors only: backoff 2, full jitter, capped delay. Business failures are never retried. */
export const TRANSIENT_RETRY: sfn.RetryProps = {
  errors: [...TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Every task is idempotent, so one that timed out is safe to run once more: either the
 * state's timeout fired or Lambda's own (which Step Functions reports as Sandbox.Timedout).
 */
export const TIMEOUT_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.TIMEOUT, 'Sandbox.Timedout'],
  interval: Duration.seconds(5),
  maxAttempts: 1,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A child start that Step Functions itself could not make (throttled, too many executions): retried with full
 * jitter. The child's own failure (States.TaskFailed) is never retried here: the item fails, and a redrive reruns it.
 */
export const START_CHILD_RETRY: sfn.RetryProps = {
  errors: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.ThrottlingException', 'StepFunctions.SfnException'],
  interval: Duration.seconds(2),
  maxAttempts: 8,
  backoffRate: 2,
  maxDelay: Duration.seconds(120),
  jitterStrategy: sfn.JitterType.FULL,
};

export interface TaskOptions {
  /** Omitted: the task gets the state's whole input. */
  payload?: Record<string, unknown>;
  /** Omitted: the result replaces the state's input (Step Functions' default, same as "$"). */
  resultPath?: string;
  /** What of the state's data goes on (default: all of it). */
  outputPath?: string;
  timeout?: Duration;
  comment?: string;
}

/** A Lambda task with our defaults: the handler's own return value, explicit Retry and timeout. */
export function lambdaTask(scope: Construct, id: string, fn: IFunction, options: TaskOptions): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: options.payload ? sfn.TaskInput.fromObject(options.payload) : undefined,
    ...(options.resultPath && options.resultPath !== '$' ? { resultPath: options.resultPath } : {}),
    ...(options.outputPath ? { outputPath: options.outputPath } : {}),
    taskTimeout: sfn.Timeout.duration(options.timeout ?? Duration.seconds(60)),
    comment: options.comment,
  });
  task.addRetry(TRANSIENT_RETRY);
  task.addRetry(TIMEOUT_RETRY);
  return task;
}

export interface PollLoop {
  /** The check task: the loop's entry. */
  check: tasks.LambdaInvoke;
  /** Routes on the check's status; add further `when`s for `completed` before calling `done`. */
  route: sfn.Choice;
  wait: sfn.Wait;
}

/**
 * Wait/poll loop: check task -> Choice on status -> Wait (SecondsPath computed by
 * the check from AWS's progress) -> check. `error` and budget overruns go to `onFailure`.
 */
export function pollLoop(
  scope: Construct,
  names: { check: string; route: string; wait: string },
  fn: IFunction,
  payload: Record<string, unknown>,
  pollPath: string,
  onFailure: sfn.IChainable,
): PollLoop {
  const check = lambdaTask(scope, names.check, fn, { payload, resultPath: pollPath });
  const wait = new sfn.Wait(scope, names.wait, { time: sfn.WaitTime.secondsPath(`${pollPath}.waitSeconds`) });
  wait.next(check);
  const route = new sfn.Choice(scope, names.route)
    .when(sfn.Condition.stringEquals(`${pollPath}.status`, 'pending'), wait)
    .when(sfn.Condition.stringEquals(`${pollPath}.status`, 'error'), onFailure);
  check.next(route);
  return { check, route, wait };
}
