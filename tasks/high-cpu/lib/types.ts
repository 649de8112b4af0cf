import type { ExecutionFacts, Outcome } from '../../lib/types';
import type { AlarmState } from './alarm';
import type { HighCpuRequest } from './schema';

export interface RunContext {
  request: HighCpuRequest;
  execution: ExecutionFacts;
}

export interface AlarmPlan {
  change: 'create' | 'update' | 'none';
  desired: AlarmState;
  before?: AlarmState;
  /** The settings that differ (update). */
  differences: string[];
}

export interface ResizePlan {
  change: 'resize' | 'none';
  from: string;
  to: string;
  /** Why nothing is resized (change none). */
  reason?: string;
  /** Stop and start again around the change (the instance was running). */
  wasRunning: boolean;
  cooldownHours: number;
  /** What the preflight checked against the target type, for the report and the approver. */
  checked: string[];
}

export interface HighCpuPlan {
  outcome: Outcome;
  instanceId: string;
  state: string;
  instanceType: string;
  availabilityZone: string;
  alarm: AlarmPlan;
  /** Only when the request asks for a resize. */
  resize?: ResizePlan;
}
