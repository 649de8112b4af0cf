import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.restoreSecurityGroups;

/** One Lambda per task (tasks/security-groups/<task>.ts). */
export const RESTORE_TASKS = [
  'validate-restore-input', 'plan-restore', 'authorize-rules', 'remove-replacements', 'verify-restored', 'build-restore-report',
] as const;
export type RestoreTask = (typeof RESTORE_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planRestore: 'PlanRestore',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  lockResources: SkeletonStates.lockResources,
  authorizeRules: 'AuthorizeRules',
  removeReplacements: 'RemoveReplacements',
  verifyRestored: 'VerifyRestored',
  buildReport: SkeletonStates.buildReport,
} as const;

export const COMMENT = [
  'Puts back exactly the rules a restrict-security-groups run revoked (protocol, ports, address, description, tags),',
  'removes the replacement rules it added, and verifies by a fresh read. Start it with input such as',
  '{"restrictExecution": "restrict-security-groups-vpc-0123456789abcdef0-20261201T120000Z"}',
  '(schema: docs/schemas/restore-security-groups.json; try "mode": "plan" first).',
].join(' ');

export function buildRestoreDefinition(scope: Construct, fns: Record<RestoreTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-restore-input'], preflight: fns['plan-restore'], buildReport: fns['build-restore-report'],
    preflightState: States.planRestore,
    preflightPayload: { 'request.$': '$.request', 'execution.$': '$.execution', 'vpcId.$': '$.target' },
    work: { restored: [], removed: [], verification: {} },
    apply: (report) => {
      const authorize = lambdaTask(scope, States.authorizeRules, fns['authorize-rules'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.restored' });
      const remove = lambdaTask(scope, States.removeReplacements, fns['remove-replacements'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.removed' });
      const verify = lambdaTask(scope, States.verifyRestored, fns['verify-restored'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.verification' });
      // The saved rules first: the replacements go only once the original access is back.
      return { otherwise: authorize.next(remove).next(verify).next(report) };
    },
  });
}
