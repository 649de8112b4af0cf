import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../infra/constructs/task-function';
import { LOCAL_ACCOUNT, localRegion } from './definition';
import { stateMachineName } from '../tasks/lib/names';
import { toHistory, type HistoryEvent } from './history';
import type { LocalExecution, WaitingExecution } from './runner';

/** A local execution as DescribeExecution + GetExecutionHistory would return it (dates as ISO strings). */
export interface StoredExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'RUNNING';
  startDate: string;
  stopDate?: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

/** Where `remediate --local` and the demo keep executions: REMEDIATION_LOCAL_DIR or .local/executions. */
export function localStoreDir(): string {
  return process.env.REMEDIATION_LOCAL_DIR ?? path.join(PROJECT_ROOT, '.local', 'executions');
}

export const stateMachineArnOf = (workflow: string, region = localRegion()) => `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName(workflow)}`;

export function toStored(execution: LocalExecution | WaitingExecution): StoredExecution {
  const stateMachineArn = stateMachineArnOf(execution.workflow);
  const stored: StoredExecution = {
    executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`,
    stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    ...('stopDate' in execution ? { stopDate: execution.stopDate } : {}),
    input: JSON.stringify(execution.input),
    history: toHistory(execution),
  };
  if (execution.output !== undefined) stored.output = JSON.stringify(execution.output);
  if (execution.error) stored.error = execution.error;
  if (execution.cause) stored.cause = execution.cause;
  return stored;
}

export function saveExecution(execution: LocalExecution | WaitingExecution, dir = localStoreDir()): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${execution.name}.json`);
  // Another process (remediate status|approve --local) may read it meanwhile: it appears whole.
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(toStored(execution), null, 2)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
  return file;
}

export function loadExecutions(dir = localStoreDir()): StoredExecution[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as StoredExecution);
}
