import type { EncryptVolumesInput, Trigger } from './schemas';

export interface ResourceTag {
  Key: string;
  Value: string;
}

/** One volume the workflow will replace, as read in preflight. */
export interface VolumePlan {
  volumeId: string;
  device: string;
  isRoot: boolean;
  sizeGiB: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  multiAttachEnabled: boolean;
  deleteOnTermination: boolean;
  availabilityZone: string;
  tags: ResourceTag[];
}

/** A volume's record as the phases fill it in. */
export interface VolumeWork extends VolumePlan {
  preSnapshotId?: string;
  preCopyId?: string;
  finalSnapshotId?: string;
  finalCopyId?: string;
  newVolumeId?: string;
}

export interface InstanceFacts {
  instanceId: string;
  state: string;
  availabilityZone: string;
  rootDeviceName?: string;
  wasRunning: boolean;
}

export type Outcome = 'PROCEED' | 'NO_ACTION' | 'PLANNED';

export interface Plan {
  instance: InstanceFacts;
  kmsKeyArn: string;
  volumes: VolumePlan[];
  alreadyEncrypted: string[];
  needsStop: boolean;
  outcome: Outcome;
}

export interface ExecutionFacts {
  name: string;
  startTime: string;
}

/** What every task of encrypt-volumes is handed: the request and the execution it belongs to. */
export interface RunContext {
  request: EncryptVolumesInput;
  execution: ExecutionFacts;
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
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  actions: ReportAction[];
}
