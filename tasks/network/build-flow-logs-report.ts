import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import { type CreatedFlowLog, type FlowLogSummary, type FlowLogsPlan, type VpcPlan } from './lib/flow-logs';
import type { EnableFlowLogsInput } from './lib/schema';
import type { FlowLogsVerification } from './check-flow-logs';
import { reportHeader, reportOutcome } from '../lib/report';
import { WORKFLOW } from '../lib/workflow-names';

export interface BuildFlowLogsReportEvent {
  request: EnableFlowLogsInput;
  execution: ExecutionFacts;
  plan: FlowLogsPlan;
  work: { created?: CreatedFlowLog[]; verification?: FlowLogsVerification };
}

export interface VpcReport {
  vpcId: string;
  action: VpcPlan['action'];
  reason: string;
  before: FlowLogSummary[];
  /** After apply: what verify read; otherwise the same as before (nothing changed). */
  after: FlowLogSummary[];
}

export interface FlowLogsReport extends WorkflowReport {
  destination: FlowLogsPlan['destination'];
  vpcs: VpcReport[];
}

/** The execution's output: per VPC the flow logs it had before and has after, and what was created. */
export const handler = async ({ request, execution, plan, work }: BuildFlowLogsReportEvent): Promise<FlowLogsReport> => {
  const outcome = reportOutcome(plan.outcome);
  const verified = work.verification?.flowLogs ?? [];
  const vpcs = plan.vpcs.map((vpc): VpcReport => {
    const created = work.created?.find((c) => c.vpcId === vpc.vpcId);
    const now = verified.filter((f) => f.vpcId === vpc.vpcId).map(({ vpcId: _vpc, ...summary }) => summary);
    const after = created ? [...vpc.before.filter((f) => f.flowLogId !== created.flowLogId), ...now] : vpc.before;
    return { vpcId: vpc.vpcId, action: vpc.action, reason: vpc.reason, before: vpc.before, after };
  });
  const actions: ReportAction[] = outcome !== 'REMEDIATED' ? [] : (work.created ?? []).map((c) => {
    const vpc = vpcs.find((v) => v.vpcId === c.vpcId);
    return {
      action: c.created ? 'create-flow-log' : 'found-flow-log',
      resourceId: c.vpcId,
      before: { flowLogs: vpc?.before ?? [] },
      after: { flowLogId: c.flowLogId, flowLogs: vpc?.after ?? [] },
      at: c.at,
    };
  });
  return {
    ...reportHeader(WORKFLOW.enableFlowLogs, request.vpcIds ? request.vpcIds.join(',') : 'all-vpcs', request, execution, plan.outcome),
    destination: plan.destination,
    vpcs,
    actions,
  };
};
