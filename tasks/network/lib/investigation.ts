import type { ExecutionFacts } from '../../lib/types';
import type { EniFacts, FlowLogSource, UnreadableFlowLog } from './flow-log-sources';
import type { InvestigateTrafficInput } from './investigate-schema';
import type { WorldOpenRule } from './world-open-rules';

/** What every task of investigate-traffic is handed. */
export interface InvestigationContext {
  request: InvestigateTrafficInput;
  execution: ExecutionFacts;
}

/**
 * What block-source-ip would be asked to do. EXTENSION POINT: block-source-ip is not on this branch, so
 * nothing starts it; `status: not-started` says so in the report. Once it is merged, a StartBlock task
 * (tasks/network/start-block.ts, a StartExecution of that machine with this input, named per DESIGN.md)
 * goes between AnalyseTraffic and BuildReport, when `$.plan.block` is present.
 */
export interface BlockRequest {
  workflow: 'block-source-ip';
  status: 'not-started';
  reason: string;
  input: { cidrs: string[]; subnetIds: string[]; approval: true };
}

export interface InvestigationPlan {
  /** PROCEED: apply reads the records. PLANNED: the plan lists what would be read, reading none. */
  outcome: 'PROCEED' | 'PLANNED';
  target: string;
  window: { from: string; to: string };
  enis: EniFacts[];
  sources: FlowLogSource[];
  unreadable: UnreadableFlowLog[];
  /** The security-group review: rules of the ENIs' groups open to 0.0.0.0/0 or ::/0 (ingress and egress). */
  worldOpen: WorldOpenRule[];
  block?: BlockRequest;
}
