import type { ExecutionFacts, Outcome, ResourceTag } from '../../lib/types';
import type { EncryptVolumesInput } from './schema';

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
  /** The pre-copy snapshot against its encrypted copy, compared before the stop (tasks/ebs/compare-blocks.ts). */
  preCopyBlocks?: BlockCheck;
  /** The final snapshot against its encrypted copy: only the changes since the pre-copy pair where that pair matched. */
  finalBlocks?: BlockCheck;
}

/** A block comparison in progress or done: only counts and where to go on, never block lists (payload limit). */
export interface BlockCheck {
  status: 'pending' | 'matched' | 'skipped';
  /** full: every written block of both snapshots; changed: ListChangedBlocks since the pre-copy pair, on both lineages. */
  method: 'full' | 'changed';
  nextIndex: number;
  /** Entries compared (written blocks, or changed blocks) on each side. */
  blocks: number;
  pages: number;
  invocations: number;
  reason?: string;
}

export interface InstanceFacts {
  instanceId: string;
  state: string;
  availabilityZone: string;
  rootDeviceName?: string;
  wasRunning: boolean;
}

export interface Plan {
  instance: InstanceFacts;
  kmsKeyArn: string;
  volumes: VolumePlan[];
  alreadyEncrypted: string[];
  needsStop: boolean;
  outcome: Outcome;
}

/** What every task of encrypt-volumes is handed: the request and the execution it belongs to. */
export interface RunContext {
  request: EncryptVolumesInput;
  execution: ExecutionFacts;
}
