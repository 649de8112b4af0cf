import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { Replacement } from './add-replacements';
import type { Revoked } from './lib/changes';
import type { RestrictInput } from './lib/schema';
import type { GroupPlan, RestrictPlan } from './plan-restrict';
import type { RestrictVerification } from './verify-restricted';

export interface BuildRestrictReportEvent {
  request: RestrictInput;
  execution: ExecutionFacts;
  plan: RestrictPlan;
  work: { saved?: { at: string }; replacements?: Replacement[]; revoked?: Revoked[]; verification?: Partial<RestrictVerification> };
}

export interface RestrictReport extends WorkflowReport {
  vpcId: string;
  /** Per group: the plan (rules to revoke in full, kept, who uses it) and, after apply, the rules verify read. */
  groups: (GroupPlan & { after?: RestrictVerification['groups'][number]['rules'] })[];
  /** Where restore-security-groups finds the saved rules: give it this execution's name. */
  restoreWith?: { restrictExecution: string };
}

/** The execution's output: the saved rules in full, what was revoked and added, and the rules as verified. */
export const handler = async ({ request, execution, plan, work }: BuildRestrictReportEvent): Promise<RestrictReport> => {
  const remediated = reportOutcome(plan.outcome) === 'REMEDIATED';
  const at = work.verification?.at ?? new Date().toISOString();
  const actions: ReportAction[] = !remediated ? [] : [
    ...(work.replacements ?? []).filter((r) => r.created).map((r) =>
      reportAction('add-replacement-rule', r.groupId, at, { replaces: r.replaces }, { ruleId: r.ruleId, cidr: r.cidr })),
    ...(work.revoked ?? []).map((r) => {
      const rule = plan.groups.find((g) => g.groupId === r.groupId)?.revoke.find((x) => x.SecurityGroupRuleId === r.ruleId);
      return reportAction(r.status === 'revoked' ? 'revoke-rule' : 'rule-already-gone', r.groupId, at, { rule }, { ruleId: r.ruleId, status: r.status });
    }),
  ];
  const target = request.vpcId ?? request.instanceId ?? request.groupIds?.join(',') ?? plan.vpcId;
  return {
    ...reportHeader(WORKFLOW.restrictSecurityGroups, target, request, execution, plan.outcome),
    vpcId: plan.vpcId,
    groups: plan.groups.map((g) => {
      const after = work.verification?.groups?.find((v) => v.groupId === g.groupId)?.rules;
      return after ? { ...g, after } : g;
    }),
    ...(remediated ? { restoreWith: { restrictExecution: execution.name } } : {}),
    actions,
  };
};
