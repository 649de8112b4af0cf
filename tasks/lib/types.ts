import type { ReportedTrigger } from './schemas';

export interface ResourceTag {
  Key: string;
  Value: string;
}

export type Outcome = 'PROCEED' | 'NO_ACTION' | 'PLANNED';

export interface ExecutionFacts {
  name: string;
  startTime: string;
  /** The execution's ARN: what identity proofs are bound to. */
  arn?: string;
}

export type PollStatus = 'pending' | 'completed' | 'error';

export interface PollState {
  status: PollStatus;
  count: number;
  startedAt: string;
  waitSeconds: number;
  maxPolls: number;
  progress?: number;
  error?: { Error: string; Cause: string };
}

export interface ReportAction {
  action: string;
  resourceId: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  at: string;
}

/** Every workflow's output (DESIGN.md "Workflow output"); workflows add their own fields. */
export interface WorkflowReport {
  workflow: string;
  target: string;
  execution: string;
  outcome: 'REMEDIATED' | 'NO_ACTION' | 'PLANNED';
  mode: 'apply' | 'plan';
  trigger: ReportedTrigger;
  startedAt: string;
  finishedAt: string;
  actions: ReportAction[];
}
