import type { Trigger } from './schemas';
import type { ExecutionFacts, WorkflowReport } from './types';

/** The fields every workflow's report starts with (DESIGN.md "Workflow output"). */
export function reportHeader(
  workflow: string,
  target: string,
  request: { mode: 'apply' | 'plan'; trigger: Trigger },
  execution: ExecutionFacts,
  outcome: WorkflowReport['outcome'],
): Omit<WorkflowReport, 'actions'> {
  return {
    workflow,
    target,
    execution: execution.name,
    outcome,
    mode: request.mode,
    trigger: request.trigger,
    startedAt: execution.startTime,
    finishedAt: new Date().toISOString(),
  };
}
