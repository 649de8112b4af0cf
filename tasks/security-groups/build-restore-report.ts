import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { Restored } from './authorize-rules';
import type { Revoked } from './lib/changes';
import type { RestoreInput } from './lib/schema';
import type { GroupRestorePlan, RestorePlan } from './plan-restore';
import type { RestoreVerification } from './verify-restored';

export interface BuildRestoreReportEvent {
  request: RestoreInput;
  execution: ExecutionFacts;
  plan: RestorePlan;
  work: { restored?: Restored[]; removed?: Revoked[]; verification?: Partial<RestoreVerification> };
}

export interface RestoreReport extends WorkflowReport {
  restrictExecution: string;
  vpcId: string;
  groups: (GroupRestorePlan & { after?: RestoreVerification['groups'][number]['rules'] })[];
  /** Saved rule id -> the id it has now (ids change when a rule is created again). */
  ruleIds: Record<string, string>;
}

/** The execution's output: each saved rule with the id it has now, the replacements removed, the rules as verified. */
export const handler = async ({ request, execution, plan, work }: BuildRestoreReportEvent): Promise<RestoreReport> => {
  const remediated = reportOutcome(plan.outcome) === 'REMEDIATED';
  const at = work.verification?.at ?? new Date().toISOString();
  const actions: ReportAction[] = !remediated ? [] : [
    ...(work.restored ?? []).map((r) =>
      reportAction(r.status === 'authorized' ? 'authorize-rule' : r.status === 'already-present' ? 'rule-already-present' : 'authorize-rule-failed', r.groupId, at, { ruleId: r.savedRuleId }, { ruleId: r.ruleId })),
    ...(work.removed ?? []).map((r) => reportAction('remove-replacement-rule', r.groupId, at, { ruleId: r.ruleId }, { status: r.status })),
  ];
  const present = Object.fromEntries(plan.groups.flatMap((g) => g.present.map((p) => [p.savedRuleId, p.ruleId])));
  return {
    ...reportHeader(WORKFLOW.restoreSecurityGroups, request.restrictExecution, request, execution, plan.outcome),
    restrictExecution: plan.restrictExecution,
    vpcId: plan.vpcId,
    groups: plan.groups.map((g) => {
      const after = work.verification?.groups?.find((v) => v.groupId === g.groupId)?.rules;
      return after ? { ...g, after } : g;
    }),
    ruleIds: { ...present, ...(work.verification?.ruleIds ?? {}) },
    actions,
  };
};
