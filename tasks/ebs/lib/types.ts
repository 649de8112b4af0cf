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
