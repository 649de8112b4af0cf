import type { Outcome, ExecutionFacts } from '../../lib/types';
import type { BlockSourceIpInput, UnblockSourceIpInput } from './block-schema';
import type { Direction, ManagedBlock } from './nacl-blocks';

export interface BlockRunContext {
  request: BlockSourceIpInput;
  execution: ExecutionFacts;
}

export interface NaclBlockPlan {
  naclId: string;
  vpcId: string;
  /** Every subnet the NACL serves and every instance in them: the block applies to all of them. */
  subnets: string[];
  instances: string[];
  create: { cidr: string; ruleNumber: number }[];
  /** Already blocked by this product: only the expiry moves (later only). */
  extend: { cidr: string; ruleNumber: number; from: string; fromExecution: string }[];
  /** At the quota with evictOldest: the oldest entries this product manages, removed first. */
  evict: ManagedBlock[];
  /** Nothing to do for these: already denied (by us with a later expiry, or by someone else's rule). */
  unchanged: { cidr: string; reason: string }[];
}

export interface BlockPlan {
  outcome: Outcome;
  direction: Direction;
  expiresAt: string;
  nacls: NaclBlockPlan[];
  /** The NACLs the plan changes. */
  naclIds: string[];
  /** Those NACLs, as the approval request names them. */
  target: string;
  served: { subnets: number; instances: number };
  approvalThreshold: number;
  /** More subnets + instances than the threshold: the plan waits for a person (the skeleton's approval gate). */
  approvalRequired: boolean;
}

export interface UnblockRunContext {
  request: UnblockSourceIpInput;
  execution: ExecutionFacts;
}

export interface UnblockPlan {
  outcome: Outcome;
  /** Managed entries to remove (entry missing already: still listed, its tag goes). */
  remove: (ManagedBlock & { entryPresent: boolean })[];
  naclIds: string[];
  /** Asked for but not removed: not managed by this product, not expired yet, or superseded by a later block. */
  skipped: { naclId: string; cidr: string; reason: string }[];
}
