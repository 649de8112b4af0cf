import { logger } from '../lib/logger';
import { reportAction, reportHeader } from '../lib/report';
import type { WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { UnblockPlan, UnblockRunContext } from './lib/block-types';
import type { RemovedBlocks } from './remove-blocks';
import type { BlockExecutionOutcome } from './stop-block-executions';

export interface BuildUnblockReportEvent extends UnblockRunContext {
  plan: UnblockPlan;
  work: { removed: Omit<RemovedBlocks, 'at'> & { at?: string }; blockExecutions?: BlockExecutionOutcome[] };
}

export interface UnblockReport extends WorkflowReport {
  remove: UnblockPlan['remove'];
  skipped: UnblockPlan['skipped'];
  /** Each block execution whose entries were removed early: stopped, still waiting (it holds other entries), or already ended. */
  blockExecutions: BlockExecutionOutcome[];
}

/** The report: each block removed (entry deleted or already missing), and what was asked for but left alone, with why. */
export const handler = async ({ request, execution, plan, work }: BuildUnblockReportEvent): Promise<UnblockReport> => {
  const at = work.removed.at ?? new Date().toISOString();
  const blockExecutions = work.blockExecutions ?? [];
  const actions = [
    ...work.removed.removed.map((r) => reportAction('remove-deny-entry', r.naclId, at, { cidr: r.cidr, ruleNumber: r.ruleNumber }, { entry: r.entry })),
    ...blockExecutions.filter((b) => b.status === 'stopped').map((b) => reportAction('stop-block-execution', b.blockExecution, at, { status: 'RUNNING' }, { status: 'ABORTED' })),
  ];
  const report: UnblockReport = {
    ...reportHeader(WORKFLOW.unblockSourceIp, request.blockExecution ?? (request.naclIds ?? []).join(','), request, execution, plan.outcome),
    actions, remove: plan.remove, skipped: plan.skipped, blockExecutions,
  };
  logger.info('report', { outcome: report.outcome, actions: actions.length });
  return report;
};
