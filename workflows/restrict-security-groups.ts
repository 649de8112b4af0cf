import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.restrictSecurityGroups;

/** One Lambda per task (tasks/security-groups/<task>.ts). */
export const RESTRICT_TASKS = [
  'validate-restrict-input', 'plan-restrict', 'save-rules', 'add-replacements', 'revoke-rules', 'verify-restricted', 'build-restrict-report',
] as const;
export type RestrictTask = (typeof RESTRICT_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planRestrict: 'PlanRestrict',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  lockResources: SkeletonStates.lockResources,
  saveRules: 'SaveRules',
  addReplacements: 'AddReplacements',
  revokeRules: 'RevokeRules',
  verifyRestricted: 'VerifyRestricted',
  buildReport: SkeletonStates.buildReport,
} as const;

export const COMMENT = [
  'Revokes security-group rules open to the world (0.0.0.0/0, ::/0) by rule id, after saving each rule in full for',
  'restore-security-groups; rules with a referenced group or a prefix list are never touched. Start it with input such as',
  '{"vpcId": "vpc-0123456789abcdef0", "allowedPorts": [443]} or {"groupIds": ["sg-0123456789abcdef0"], "mode": "plan"}',
  '(schema: docs/schemas/restrict-security-groups.json; try "mode": "plan" first).',
].join(' ');

/** The request's replacement CIDRs (the schema's default: none). */
const REPLACEMENTS = { 'replacementCidrs.$': '$.request.replacementCidrs' };

export function buildRestrictDefinition(scope: Construct, fns: Record<RestrictTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-restrict-input'], preflight: fns['plan-restrict'], buildReport: fns['build-restrict-report'],
    preflightState: States.planRestrict,
    preflightPayload: { 'request.$': '$.request', 'execution.$': '$.execution', 'vpcId.$': '$.target' },
    // Every path the report reads exists, whatever the ending.
    work: { replacements: [], revoked: [], verification: {} },
    apply: (report) => {
      const save = lambdaTask(scope, States.saveRules, fns['save-rules'], {
        payload: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan', ...REPLACEMENTS }, resultPath: '$.work.saved',
      });
      const add = lambdaTask(scope, States.addReplacements, fns['add-replacements'], {
        payload: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan', ...REPLACEMENTS }, resultPath: '$.work.replacements',
      });
      const revoke = lambdaTask(scope, States.revokeRules, fns['revoke-rules'], { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.revoked' });
      const verify = lambdaTask(scope, States.verifyRestricted, fns['verify-restricted'], {
        payload: { 'request.$': '$.request', 'plan.$': '$.plan', 'replacements.$': '$.work.replacements' }, resultPath: '$.work.verification',
      });
      // Replacements first: the organisation's range keeps its access while the world loses it.
      return { otherwise: save.next(add).next(revoke).next(verify).next(report) };
    },
  });
}
