import { logger } from '../lib/logger';
import { reportAction, reportHeader } from '../lib/report';
import type { WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { AppliedBlocks } from './apply-blocks';
import type { BlockPlan, BlockRunContext } from './lib/block-types';
import type { Direction } from './lib/nacl-blocks';

export interface BuildBlockReportEvent extends BlockRunContext {
  plan: BlockPlan;
  work: { applied: Omit<AppliedBlocks, 'at'> & { at?: string } };
}

export interface BlockReport extends WorkflowReport {
  direction: Direction;
  expiresAt: string;
  nacls: BlockPlan['nacls'];
  served: BlockPlan['served'];
  /** What the scheduled removal (the Wait after the lock is released) removes once `wakeAt` has passed. */
  expiry?: { wakeAt: string; entries: { naclId: string; direction: Direction; cidr: string }[] };
}

/** The report: per NACL what was created, extended and evicted, every subnet and instance it serves, and the expiry. */
export const handler = async ({ request, execution, plan, work }: BuildBlockReportEvent): Promise<BlockReport> => {
  const { applied } = work;
  const at = applied.at ?? new Date().toISOString();
  const actions = [
    ...applied.evicted.map((e) => reportAction('evict-deny-entry', e.naclId, at, { cidr: e.cidr, ruleNumber: e.ruleNumber, expiresAt: e.expiresAt })),
    ...applied.created.map((c) => reportAction('create-deny-entry', c.naclId, at, undefined, { cidr: c.cidr, ruleNumber: c.ruleNumber, direction: plan.direction, expiresAt: plan.expiresAt })),
    ...applied.extended.map((e) => reportAction('extend-expiry', e.naclId, at, { cidr: e.cidr, expiresAt: e.from }, { cidr: e.cidr, expiresAt: e.to })),
  ];
  const header = reportHeader(WORKFLOW.blockSourceIp, plan.nacls.map((n) => n.naclId).join(',') || 'none', request, execution, plan.outcome);
  const entries = [...applied.created, ...applied.extended].map((c) => ({ naclId: c.naclId, direction: plan.direction, cidr: c.cidr }));
  const report: BlockReport = {
    ...header,
    // A re-run that only moved expiries created nothing: NO_ACTION, its extensions listed.
    outcome: header.outcome === 'REMEDIATED' && applied.created.length + applied.evicted.length === 0 ? 'NO_ACTION' : header.outcome,
    actions, direction: plan.direction, expiresAt: plan.expiresAt, nacls: plan.nacls, served: plan.served,
    ...(entries.length > 0 ? { expiry: { wakeAt: plan.expiresAt, entries } } : {}),
  };
  logger.info('report', { outcome: report.outcome, actions: actions.length });
  return report;
};
