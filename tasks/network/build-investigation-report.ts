import { reportHeader } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { TrafficAnalysis } from './analyse-traffic';
import type { EniFacts, FlowLogSource, UnreadableFlowLog } from './lib/flow-log-sources';
import type { InvestigateTrafficInput } from './lib/investigate-schema';
import type { BlockRequest, InvestigationPlan } from './lib/investigation';
import { portsLabel, type WorldOpenRule } from './lib/world-open-rules';

export interface BuildInvestigationReportEvent {
  request: InvestigateTrafficInput;
  execution: ExecutionFacts;
  plan: InvestigationPlan;
  work: { traffic?: TrafficAnalysis; block?: BlockRequest };
}

export interface InvestigationReport extends WorkflowReport {
  window: { from: string; to: string };
  enis: EniFacts[];
  flowLogs: (FlowLogSource & { read?: number; note?: string })[];
  unreadableFlowLogs: UnreadableFlowLog[];
  securityGroups: { worldOpen: (WorldOpenRule & { ports: string })[] };
  /** Apply only: the aggregation (plan mode reads no record). */
  traffic?: Omit<TrafficAnalysis, 'sources' | 'window'>;
  /** One line per thing a person should look at. */
  findings: string[];
  block?: BlockRequest;
}

function findingsOf(plan: InvestigationPlan, traffic: TrafficAnalysis | undefined, block: BlockRequest | undefined): string[] {
  const findings: string[] = [];
  for (const rule of plan.worldOpen) {
    const hit = traffic?.worldOpenHits.find((h) => h.ruleId === rule.ruleId);
    const usage = !traffic ? '' : hit ? `: ${hit.flows} accepted flow(s) from ${hit.remotes} address(es) in the window` : ': no accepted flow in the window';
    findings.push(`${rule.groupId} ${rule.egress ? 'egress' : 'ingress'} ${portsLabel(rule)} open to ${rule.cidr} (${rule.ruleId})${rule.egress ? '' : usage}`);
  }
  if (traffic?.capHit) findings.push(`record cap of ${traffic.maxRecords} reached: the figures cover the first ${traffic.recordsRead} record(s) only (raise maxRecords or narrow the window)`);
  if (traffic && traffic.rejected.flows > 0) findings.push(`${traffic.rejected.flows} rejected flow(s) in the window`);
  if (traffic && traffic.recordsMatched === 0) findings.push('no flow-log record of these ENIs in the window');
  if (block?.execution) findings.push(`block requested for ${block.input.cidrs.join(', ')}: block-source-ip ${block.execution.name} started, waiting for approval`);
  else if (block) findings.push(`block requested for ${block.input.cidrs.join(', ')}: not started (${block.reason})`);
  return findings;
}

/** The execution's output: what was read, the top talkers and the security-group review. Nothing was changed (actions: []). */
export const handler = async ({ request, execution, plan, work }: BuildInvestigationReportEvent): Promise<InvestigationReport> => {
  const traffic = work.traffic;
  // StartBlock's answer (apply) replaces the plan's request (not-started).
  const block = work.block ?? plan.block;
  const reads = traffic?.sources ?? [];
  const figures = traffic ? Object.fromEntries(Object.entries(traffic).filter(([key]) => key !== 'sources' && key !== 'window')) : undefined;
  return {
    // An investigation changes nothing: NO_ACTION when it ran, PLANNED in plan mode.
    ...reportHeader(WORKFLOW.investigateTraffic, plan.target, request, execution, plan.outcome === 'PLANNED' ? 'PLANNED' : 'NO_ACTION'),
    actions: [],
    window: plan.window,
    enis: plan.enis,
    flowLogs: plan.sources.map((s) => {
      const read = reads.find((r) => r.flowLogId === s.flowLogId);
      return { ...s, ...(read ? { read: read.read } : {}), ...(read?.note ? { note: read.note } : {}) };
    }),
    unreadableFlowLogs: plan.unreadable,
    securityGroups: { worldOpen: plan.worldOpen.map((r) => ({ ...r, ports: portsLabel(r) })) },
    ...(traffic ? { traffic: figures as InvestigationReport['traffic'] } : {}),
    findings: findingsOf(plan, traffic, block),
    ...(block ? { block } : {}),
  };
};
