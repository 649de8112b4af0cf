import type { LocalExecution } from './runner';

/**
 * Step Functions' execution history (GetExecutionHistory) rebuilt from a local run's
 * events, so one audit code path reads both. Timestamps are ISO strings here (the SDK
 * returns Date objects); `*EventDetails` carry the same fields as the API.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: string;
  type: string;
  [details: string]: unknown;
}

const TYPE_PREFIX: Record<string, string> = {
  Task: 'Task', Choice: 'Choice', Wait: 'Wait', Pass: 'Pass', Map: 'Map', Parallel: 'Parallel', Succeed: 'Succeed', Fail: 'Fail',
};
const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));

export function toHistory(execution: Pick<LocalExecution, 'events' | 'input'>, roleArn = 'arn:aws:iam::123456789012:role/local'): HistoryEvent[] {
  const history: HistoryEvent[] = [];
  const push = (timestamp: string, type: string, details: Record<string, unknown> = {}) => {
    const id = history.length + 1;
    history.push({ id, previousEventId: id - 1, timestamp, type, ...details });
  };
  const taskStates = new Set<string>();
  for (const e of execution.events) {
    const prefix = TYPE_PREFIX[e.stateType ?? ''] ?? 'Task';
    switch (e.type) {
      case 'ExecutionStarted':
        push(e.at, 'ExecutionStarted', { executionStartedEventDetails: { input: json(execution.input), roleArn } });
        break;
      case 'StateEntered':
        push(e.at, `${prefix}StateEntered`, { stateEnteredEventDetails: { name: e.state, input: json(e.input) } });
        if (e.stateType === 'Task') {
          taskStates.add(e.state as string);
          push(e.at, 'LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: e.state, input: json(e.input) } });
          push(e.at, 'LambdaFunctionStarted');
        }
        if (e.stateType === 'Map') push(e.at, 'MapStateStarted');
        break;
      case 'StateExited':
        if (e.stateType === 'Task') push(e.at, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(e.output) } });
        if (e.stateType === 'Map') push(e.at, 'MapStateSucceeded');
        push(e.at, `${prefix}StateExited`, { stateExitedEventDetails: { name: e.state, output: json(e.output) } });
        break;
      case 'StateFailed':
        if (e.stateType === 'Task') push(e.at, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: e.error, cause: e.cause } });
        if (e.stateType === 'Map') push(e.at, 'MapStateFailed');
        break;
      case 'StateRetried':
        // Step Functions records a retry as the task being scheduled again.
        push(e.at, 'LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: e.state, input: json(e.input) } });
        push(e.at, 'LambdaFunctionStarted');
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        push(e.at, e.type, { mapIterationEventDetails: { name: e.parent, index: e.index } });
        break;
      case 'ExecutionSucceeded':
        push(e.at, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: json(e.output) } });
        break;
      case 'ExecutionFailed':
        push(e.at, 'ExecutionFailed', { executionFailedEventDetails: { error: e.error, cause: e.cause } });
        break;
      default:
        break;
    }
  }
  return history;
}
