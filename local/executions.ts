import { awsError } from './emulation';

/** What DescribeExecution reports of a local run (ABORTED: stopped by StopExecution). */
export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** Executions of this process by ARN: their status, and how to stop one that is still running. */
const executions = new Map<string, { status: LocalExecutionStatus; abort?: (error: string, cause: string) => void }>();

export function trackExecution(executionArn: string, abort: (error: string, cause: string) => void): void {
  executions.set(executionArn, { status: 'RUNNING', abort });
}

export function executionEnded(executionArn: string, status: Exclude<LocalExecutionStatus, 'RUNNING'>): void {
  const known = executions.get(executionArn);
  // A stopped run ends ABORTED, whatever its own ending looked like.
  executions.set(executionArn, { status: known?.status === 'ABORTED' ? 'ABORTED' : status });
}

/** Step Functions DescribeExecution, for the runs of this process (the lock asks whether its holder still runs). */
export function describeExecution(input: Record<string, unknown>): unknown {
  const executionArn = String(input.executionArn);
  const known = executions.get(executionArn);
  if (!known) throw awsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  return { executionArn, status: known.status, $metadata: {} };
}

/** Step Functions StopExecution: a running one ends ABORTED with the given error and cause; one already ended stays as it ended. */
export function stopExecution(input: Record<string, unknown>): unknown {
  const executionArn = String(input.executionArn);
  const known = executions.get(executionArn);
  if (!known) throw awsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  if (known.status === 'RUNNING' && known.abort) {
    const abort = known.abort;
    executions.set(executionArn, { status: 'ABORTED' });
    abort(String(input.error ?? ''), String(input.cause ?? ''));
  }
  return { stopDate: new Date(), $metadata: {} };
}
