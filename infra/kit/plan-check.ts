import type { TaskSpec } from './spec';

export type PlanCheckTask = 'compare-plans';

/** The kit's check after an approval (DESIGN.md "Re-checks"): pure comparison, no AWS call, so no grant. */
export const PLAN_CHECK_TASK_SPECS: Record<PlanCheckTask, TaskSpec<unknown>> = {
  'compare-plans': { entry: 'tasks/plan/compare-plans.ts', grants: [] },
};
