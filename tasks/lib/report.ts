import type { Trigger } from './schemas';
import type { ExecutionFacts, Outcome, ReportAction, WorkflowReport } from './types';

/** What the report says happened, from what preflight planned: a plan that proceeded and reached the report remediated. */
export function reportOutcome(planned: Outcome): WorkflowReport['outcome'] {
  return planned === 'PROCEED' ? 'REMEDIATED' : planned;
}

/** The fields every workflow's report starts with (DESIGN.md "Workflow output"); the outcome follows from the plan's. */
export function reportHeader(
  workflow: string,
  target: string,
  request: { mode: 'apply' | 'plan'; trigger: Trigger },
  execution: ExecutionFacts,
  planned: Outcome,
): Omit<WorkflowReport, 'actions'> {
  return {
    workflow,
    target,
    execution: execution.name,
    outcome: reportOutcome(planned),
    mode: request.mode,
    trigger: request.trigger,
    startedAt: execution.startTime,
    finishedAt: new Date().toISOString(),
  };
}

/** One entry of `actions`, with `before`/`after` only where they are known. */
export function reportAction(action: string, resourceId: string, at: string, before?: Record<string, unknown>, after?: Record<string, unknown>): ReportAction {
  return { action, resourceId, ...(before ? { before } : {}), ...(after ? { after } : {}), at };
}
