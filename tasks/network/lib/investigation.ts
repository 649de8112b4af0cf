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
 * What block-source-ip is asked to do (with `block: true` and `blockCidrs`). The plan carries it as
 * `not-started`; in apply mode StartBlock (tasks/network/start-block.ts) starts it after the analysis and
 * the report gives the child's execution (`started`). The child always asks a person first (`approval: true`).
 */
export interface BlockRequest {
  workflow: 'block-source-ip';
  status: 'not-started' | 'started';
  reason: string;
  input: { cidrs: string[]; subnetIds: string[]; approval: true };
  /** `started`: the block-source-ip execution (named from this investigation's). */
  execution?: { name: string; executionArn: string; alreadyStarted: boolean; at: string };
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
