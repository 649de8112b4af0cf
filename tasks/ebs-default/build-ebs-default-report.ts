import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import type { ExecutionFacts, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { Enabled } from './enable-encryption-by-default';
import type { EbsDefaultRequest } from './lib/schema';
import type { EbsDefaultPlan } from './plan-ebs-default';
import type { KeySet } from './set-default-kms-key';
import type { EbsDefaultsVerified } from './verify-ebs-default';

export interface BuildEbsDefaultReportEvent {
  request: EbsDefaultRequest;
  execution: ExecutionFacts;
  plan: EbsDefaultPlan;
  work: { enabled?: Partial<Enabled>; key?: Partial<KeySet>; verified?: Partial<EbsDefaultsVerified> };
}

export interface EbsDefaultReport extends WorkflowReport {
  before: EbsDefaultPlan['before'];
  /** As verify re-read it (apply), or what apply would set (plan). */
  after: EbsDefaultPlan['desired'] | EbsDefaultsVerified;
  changes: EbsDefaultPlan['changes'];
  warnings: string[];
}

/** The execution's output: the region's settings before and after, and each change made. */
export const handler = async ({ request, execution, plan, work }: BuildEbsDefaultReportEvent): Promise<EbsDefaultReport> => {
  const remediated = reportOutcome(plan.outcome) === 'REMEDIATED';
  const target = plan.region;
  const actions = !remediated ? [] : [
    ...(work.enabled?.status === 'changed'
      ? [reportAction('enable-ebs-encryption-by-default', target, work.enabled.at ?? '', { encryptionByDefault: false }, { encryptionByDefault: true })]
      : []),
    ...(work.key?.status === 'changed'
      ? [reportAction('set-ebs-default-kms-key', target, work.key.at ?? '', { kmsKeyId: plan.before.kmsKeyId }, { kmsKeyId: work.key.kmsKeyId })]
      : []),
  ];
  return {
    ...reportHeader(WORKFLOW.enableEbsEncryptionByDefault, target, request, execution, plan.outcome),
    before: plan.before,
    after: remediated && work.verified?.at ? (work.verified as EbsDefaultsVerified) : plan.desired,
    changes: plan.changes,
    warnings: plan.warnings,
    actions,
  };
};
