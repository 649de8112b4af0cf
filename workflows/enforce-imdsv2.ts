import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.enforceImdsv2;

/** One Lambda per task (tasks/imds/<task>.ts, and the approval gate's). */
export const IMDS_TASKS = [
  'validate-imds-input', 'plan-imds', 'enforce-imdsv2', 'set-metadata-defaults', 'check-metadata-options', 'restore-metadata-options',
  'build-imds-report', 'request-approval', 'verify-approver',
] as const;
export type ImdsTask = (typeof IMDS_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planImds: 'PlanImds',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  lockResources: SkeletonStates.lockResources,
  routeAfterLock: SkeletonStates.routeAfterLock,
  enforceImdsv2: 'EnforceImdsv2',
  setMetadataDefaults: 'SetMetadataDefaults',
  checkMetadataOptions: 'CheckMetadataOptions', routeMetadataOptions: 'RouteMetadataOptions', waitMetadataOptions: 'WaitMetadataOptions',
  restoreMetadataOptions: 'RestoreMetadataOptions', imdsRolledBack: 'ImdsRolledBack', restoreFailed: 'RestoreFailed',
  buildReport: SkeletonStates.buildReport,
} as const;

export const COMMENT = [
  'Requires IMDSv2 (HttpTokens=required, optionally a hop limit) on instances that allow IMDSv1, after reading their',
  'MetadataNoToken metric: instances whose software used IMDSv1 recently are left out unless "allowV1Breakage": true.',
  'Start it with {"instanceIds": ["i-0123456789abcdef0"], "mode": "plan"} or {"allInstances": true, "accountDefault": true}',
  '(schema: docs/schemas/enforce-imdsv2.json). A failure puts back each instance\'s prior options.',
].join(' ');

const POLL = '$.work.verification';

/**
 * ... -> PlanImds -> RouteByPlan -> LockResources (the instances) -> [approval] -> EnforceImdsv2 -> SetMetadataDefaults ->
 * CheckMetadataOptions (poll while pending) -> BuildReport. Any failure from the first change on goes to
 * RestoreMetadataOptions, which ends FAILED RemediationRolledBack (or RollbackFailedError).
 */
export function buildImdsDefinition(scope: Construct, fns: Record<ImdsTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-imds-input'], preflight: fns['plan-imds'], buildReport: fns['build-imds-report'],
    preflightState: States.planImds,
    work: { enforced: [], defaults: {}, verification: {} },
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target', comparePlans: kit.comparePlans },
    apply: (report) => {
      const restoreFailed = new sfn.Fail(scope, States.restoreFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.restoreError.Cause' });
      const restore = lambdaTask(scope, States.restoreMetadataOptions, fns['restore-metadata-options'], {
        payload: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, resultPath: '$.work.restored',
      });
      restore.addCatch(restoreFailed, { resultPath: '$.work.restoreError' })
        .next(new sfn.Fail(scope, States.imdsRolledBack, { errorPath: '$.work.restored.error', causePath: '$.work.restored.cause' }));
      const inputs = { 'request.$': '$.request', 'plan.$': '$.plan' };
      // A check that reports `error` never happens (it throws); the loop's error route still restores.
      const check = pollLoop(scope, { check: States.checkMetadataOptions, route: States.routeMetadataOptions, wait: States.waitMetadataOptions },
        fns['check-metadata-options'], { ...inputs, 'poll.$': POLL }, POLL, restore);
      check.route.otherwise(report);
      const enforce = lambdaTask(scope, States.enforceImdsv2, fns['enforce-imdsv2'], { payload: inputs, resultPath: '$.work.enforced' });
      const defaults = lambdaTask(scope, States.setMetadataDefaults, fns['set-metadata-defaults'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.defaults' });
      // A lost answer may hide a change that took effect: every failure from the first change on restores.
      for (const step of [enforce, defaults, check.check]) step.addCatch(restore, { errors: [sfn.Errors.ALL], resultPath: '$.work.error' });
      enforce.next(defaults).next(check.check);
      return { otherwise: enforce };
    },
  });
}
