import type { Outcome } from '../../lib/types';
import type { PlannedChanges, PriorState } from './case-store';
import type { Principal } from './principal';

/** A key the plan leaves as it is, and why (already Inactive, a temporary key, deleted since). */
export interface KeptKey { accessKeyId: string; reason: string }

/** What preflight decided: read-only, and exactly what apply (or release) will change. */
export interface ContainPlan {
  outcome: Outcome;
  action: 'contain' | 'release' | 'notify-root';
  /** The principal's IAM ARN (a role's with its path): the report's target. */
  target: string;
  caseId: string;
  principal: Principal;
  /** contain: the principal before any change, saved in the case record before the first change. */
  prior?: PriorState;
  /** contain: the keys to set Inactive and the session deny to put (none: already in force). */
  changes: PlannedChanges;
  keptKeys: KeptKey[];
  /** The session deny already in force (another open case's, or this case's from an earlier run). */
  sessionDenyInForce?: string;
  maxSessionSeconds: number;
  release?: {
    reactivateKeys: string[];
    /** The session deny this case put: removed only once every session issued before it has expired. */
    sessionDeny?: { policyName: string; present: boolean; removeAt: string };
  };
  /** Root: what a person must do (IAM cannot restrict the root user). */
  rootSteps?: string[];
}

export const ROOT_STEPS = [
  'Sign in as the root user (only the account owner can) and change the root password.',
  'Enable MFA on the root user, or replace the MFA device if it may be compromised.',
  'IAM > Security credentials: delete any root access keys (root should have none).',
  'Review CloudTrail for every call by the root user since the event, and contact AWS Support if the account is compromised.',
];

/** PROCEED when there is something to change, PLANNED instead in plan mode, NO_ACTION when there is nothing. */
export const outcomeOf = (mode: 'apply' | 'plan', somethingToDo: boolean): Outcome =>
  (!somethingToDo ? 'NO_ACTION' : mode === 'plan' ? 'PLANNED' : 'PROCEED');
