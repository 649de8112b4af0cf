import type { ExecutionFacts, Outcome } from '../../lib/types';
import type { ExpireRetainedInput } from './schema';

/** Why a remediation kept it: the tags it carries say. */
export type RetainedKind = 'original-volume' | 'rolled-back-volume' | 'unknown-volume' | 'kept-snapshot' | 'forensic-snapshot';

export interface Retained {
  resourceId: string;
  resourceType: 'volume' | 'snapshot';
  kind: RetainedKind;
  retainUntil: string;
}

/** One resource that may go: why that is safe, and its full description (tags included) as it was read. */
export interface Deletion extends Retained {
  why: string;
  before: Record<string, unknown>;
}

/** One resource kept although its retention has passed, and why. */
export interface Refusal extends Retained {
  reason: string;
}

export interface ExpiryJudgement {
  delete: Deletion[];
  refused: Refusal[];
  /** Safe, but beyond this execution's share (MAX_DELETIONS): the next run takes them. */
  deferred: string[];
  notYetDue: { resourceId: string; retainUntil: string }[];
}

export interface ExpiryPlan extends ExpiryJudgement {
  /** How many refusals and not-yet-due entries were left off the lists (plan-expiry MAX_LISTED). */
  omitted?: { refused: number; notYetDue: number };
  outcome: Outcome;
  region: string;
  checkedAt: string;
}

export interface ExpiryRunContext {
  request: ExpireRetainedInput;
  execution: ExecutionFacts;
}

/** What the delete step did to one planned deletion. */
export interface Deleted {
  resourceId: string;
  resourceType: 'volume' | 'snapshot';
  /** `already-gone`: not there any more when the delete came (a retry after a timeout, or a person): the state wanted. */
  result: 'deleted' | 'already-gone';
  at: string;
}

export interface DeleteResult {
  deleted: Deleted[];
  /** Planned, but refused on the re-read just before the delete, or refused by EC2. */
  refused: Refusal[];
}
