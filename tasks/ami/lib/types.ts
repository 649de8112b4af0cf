import type { ExecutionFacts, Outcome, PollState, ResourceTag } from '../../lib/types';
import type { InstanceFreshness } from './freshness';
import type { RefreshAmiInput } from './schema';

export interface RefreshAmiContext {
  request: RefreshAmiInput;
  execution: ExecutionFacts;
}

/** What a backup will do, read-only (preflight; made again by nothing: there is no approval gate). */
export interface BackupPlan {
  action: 'backup';
  outcome: Outcome;
  target: string;
  instanceId: string;
  instanceState: string;
  imageName: string;
  noReboot: boolean;
  /** EC2 reboots the instance to take the image (running, NoReboot false). */
  reboots: boolean;
  note: string;
  /** What the image and its snapshots are tagged with. */
  tags: ResourceTag[];
  volumes: { device: string; volumeId: string; sizeGiB: number }[];
  workGiB: number;
  /** The image of this name found before anything was created: a re-run waits for it or reports it. */
  existing?: { imageId: string; state: string; execution?: string };
}

export interface ReportPlan {
  action: 'report';
  outcome: Outcome;
  target: string;
  maxAgeDays: number;
  counts: { instances: number; flagged: number; old: number; deprecated: number; deregistered: number; notLatest: number; familyRetired: number };
  /** Instances with a finding first, at most REPORT_LIMIT; `omitted` counts the rest. */
  instances: InstanceFreshness[];
  omitted: number;
}

export type AmiPlan = BackupPlan | ReportPlan;

/** CreateImage's result (the image found by name on a re-run or retry). */
export interface CreatedImage {
  imageId: string;
  imageName: string;
  /** Found, not created by this call. */
  resumed: boolean;
  at: string;
}

export interface ImagePoll extends PollState {
  imageState?: string;
}

/** What the skeleton's InitWork puts at `$.work`, filled in by the later steps. */
export interface BackupWork {
  image?: CreatedImage;
  poll?: ImagePoll;
  verified?: { imageId: string; state: string; snapshots: { snapshotId: string; state: string; sizeGiB?: number }[]; tags: ResourceTag[] };
}
