import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { MetadataVerification } from './check-metadata-options';
import type { Enforced } from './enforce-imdsv2';
import type { ImdsRequest } from './lib/schema';
import type { ImdsPlan, InstancePlan } from './plan-imds';
import type { DefaultsSet } from './set-metadata-defaults';

export interface BuildImdsReportEvent {
  request: ImdsRequest;
  execution: ExecutionFacts;
  plan: ImdsPlan;
  work: { enforced?: Enforced[]; defaults?: Partial<DefaultsSet>; verification?: Partial<MetadataVerification> };
}

export interface ImdsReport extends WorkflowReport {
  /** Per instance: the plan (action, reason, options before, IMDSv1 use) and, after apply, the options as verified. */
  instances: (InstancePlan & { after?: NonNullable<MetadataVerification['instances']>[number]['after'] })[];
  accountDefault?: ImdsPlan['accountDefault'] & { after?: { httpTokens?: string } };
  warnings: string[];
}

/** The execution's output: every instance assessed, what was changed (before and after), and the warnings. */
export const handler = async ({ request, execution, plan, work }: BuildImdsReportEvent): Promise<ImdsReport> => {
  const remediated = reportOutcome(plan.outcome) === 'REMEDIATED';
  const verified = new Map((work.verification?.instances ?? []).map((v) => [v.instanceId, v.after]));
  const actions = !remediated ? [] : [
    ...(work.enforced ?? []).filter((e) => e.status === 'changed').map((e) => {
      const before = plan.instances.find((i) => i.instanceId === e.instanceId)?.before;
      return reportAction('require-imdsv2', e.instanceId, e.at, before ? { ...before } : undefined, verified.get(e.instanceId) ? { ...verified.get(e.instanceId) } : undefined);
    }),
    ...(work.defaults?.status === 'changed'
      ? [reportAction('require-imdsv2-by-default', 'account-default', work.defaults.at ?? '', plan.accountDefault?.before, work.verification?.accountDefault)]
      : []),
  ];
  return {
    ...reportHeader(WORKFLOW.enforceImdsv2, plan.target, request, execution, plan.outcome),
    instances: plan.instances.map((i) => (verified.has(i.instanceId) ? { ...i, after: verified.get(i.instanceId)! } : i)),
    ...(plan.accountDefault ? { accountDefault: { ...plan.accountDefault, ...(work.verification?.accountDefault ? { after: work.verification.accountDefault } : {}) } } : {}),
    warnings: plan.warnings,
    actions,
  };
};
