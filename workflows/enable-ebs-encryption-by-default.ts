import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.enableEbsEncryptionByDefault;

/** One Lambda per task (tasks/ebs-default/<task>.ts). */
export const EBS_DEFAULT_TASKS = [
  'validate-ebs-default-input', 'plan-ebs-default', 'enable-encryption-by-default', 'set-default-kms-key', 'verify-ebs-default',
  'restore-ebs-default', 'build-ebs-default-report',
] as const;
export type EbsDefaultTask = (typeof EBS_DEFAULT_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planEbsDefault: 'PlanEbsDefault',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  enableEncryptionByDefault: 'EnableEncryptionByDefault',
  setDefaultKmsKey: 'SetDefaultKmsKey',
  verifyEbsDefault: 'VerifyEbsDefault',
  restoreEbsDefault: 'RestoreEbsDefault',
  ebsDefaultRolledBack: 'EbsDefaultRolledBack',
  restoreFailed: 'RestoreFailed',
  buildReport: SkeletonStates.buildReport,
} as const;

export const COMMENT = [
  'Turns on EBS encryption by default in this region and sets its default KMS key (the input\'s kmsKeyId, or the current one),',
  'verified with GetEbsEncryptionByDefault and GetEbsDefaultKmsKeyId; a failure puts the prior settings back. Start it with',
  '{} or {"kmsKeyId": "alias/ebs-default", "mode": "plan"} (schema: docs/schemas/enable-ebs-encryption-by-default.json).',
].join(' ');

/**
 * ... -> PlanEbsDefault -> RouteByPlan -> EnableEncryptionByDefault -> SetDefaultKmsKey -> VerifyEbsDefault -> BuildReport.
 * Any failure after the plan proceeds goes to RestoreEbsDefault (prior key, encryption off again if it was off), which
 * ends FAILED RemediationRolledBack, or RollbackFailedError when something could not be put back.
 */
export function buildEbsDefaultDefinition(scope: Construct, fns: Record<EbsDefaultTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-ebs-default-input'], preflight: fns['plan-ebs-default'], buildReport: fns['build-ebs-default-report'],
    preflightState: States.planEbsDefault,
    work: { enabled: {}, key: {}, verified: {} },
    apply: (report) => {
      const restoreFailed = new sfn.Fail(scope, States.restoreFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.restoreError.Cause' });
      const restore = lambdaTask(scope, States.restoreEbsDefault, fns['restore-ebs-default'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, resultPath: '$.work.restored',
      });
      restore.addCatch(restoreFailed, { resultPath: '$.work.restoreError' })
        .next(new sfn.Fail(scope, States.ebsDefaultRolledBack, { errorPath: '$.work.restored.error', causePath: '$.work.restored.cause' }));
      const plan = { 'plan.$': '$.plan' };
      const enable = lambdaTask(scope, States.enableEncryptionByDefault, fns['enable-encryption-by-default'], { payload: plan, resultPath: '$.work.enabled' });
      const setKey = lambdaTask(scope, States.setDefaultKmsKey, fns['set-default-kms-key'], { payload: plan, resultPath: '$.work.key' });
      const verify = lambdaTask(scope, States.verifyEbsDefault, fns['verify-ebs-default'], { payload: plan, resultPath: '$.work.verified' });
      // A lost answer may hide a change that took effect: every failure from the first change on restores.
      for (const step of [enable, setKey, verify]) step.addCatch(restore, { errors: [sfn.Errors.ALL], resultPath: '$.work.error' });
      enable.next(setKey).next(verify).next(report);
      return { otherwise: enable };
    },
  });
}
