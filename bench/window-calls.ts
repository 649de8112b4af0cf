import type { LocalExecution } from '../local/runner';
import { States } from '../workflows/encrypt-volumes-states';
import type { Sequence } from './downtime-model';

/** What one local run of a sequence measured: the AWS calls the handlers made and the Lambda tasks the definition ran. */
export interface MeasuredRun {
  sequence: Sequence;
  volumes: number;
  windowCalls: number;
  totalCalls: number;
  windowTasks: number;
  totalTasks: number;
  transitions: number;
}

/** The window runs from StopInstances to the first instance-state check after StartInstances, both included. */
export function measureRun(sequence: Sequence, volumes: number, execution: LocalExecution): MeasuredRun {
  const log = execution.faults.callLog;
  const stop = log.indexOf('ec2:StopInstances');
  const start = log.indexOf('ec2:StartInstances', stop);
  const running = log.indexOf('ec2:DescribeInstances', start);
  if (stop < 0 || start < 0 || running < 0) throw new Error(`${sequence}: the run did not stop and start the instance (${log.join(', ')})`);
  const entered = execution.events.filter((e) => e.type === 'StateEntered');
  const tasks = entered.filter((e) => e.stateType === 'Task');
  const from = entered.findIndex((e) => e.state === States.stopInstance);
  const to = entered.findIndex((e) => e.state === States.checkInstanceStarted);
  if (from < 0 || to < from) throw new Error(`${sequence}: no ${States.stopInstance} .. ${States.checkInstanceStarted} in the run`);
  return {
    sequence, volumes,
    windowCalls: running - stop + 1, totalCalls: log.length,
    windowTasks: entered.slice(from, to + 1).filter((e) => e.stateType === 'Task').length, totalTasks: tasks.length,
    transitions: entered.length,
  };
}
