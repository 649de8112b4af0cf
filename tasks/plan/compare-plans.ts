import { PlanChangedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { planDifferences } from './lib/plan-diff';

export interface ComparePlansEvent {
  /** The plan the approver saw (the first preflight's). */
  approved: unknown;
  /** The plan the same preflight makes now, after the approval. */
  current: unknown;
}

export interface PlanComparison {
  unchanged: true;
  comparedAt: string;
}

/** Differences named in the error at most; the rest are counted. */
export const MAX_LISTED = 10;

/**
 * The kit's check after an approval (workflows/lib/skeleton.ts): the approval holds only for the plan that
 * was approved. Any difference but volatile fields (timestamps, list order) throws PlanChangedError listing
 * them; nothing has been changed at that point.
 */
export const handler = async ({ approved, current }: ComparePlansEvent): Promise<PlanComparison> => {
  const differences = planDifferences(approved, current);
  if (differences.length > 0) {
    const listed = differences.slice(0, MAX_LISTED).join('; ');
    const more = differences.length > MAX_LISTED ? `; and ${differences.length - MAX_LISTED} more` : '';
    throw new PlanChangedError(`the plan changed while waiting for approval (approved -> now): ${listed}${more}; nothing was changed; start a new run to approve the current plan`);
  }
  logger.info('plan unchanged since the approval');
  return { unchanged: true, comparedAt: new Date().toISOString() };
};
