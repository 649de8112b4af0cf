import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.restrictSecurityGroups;

/** One Lambda per task (tasks/security-groups/<task>.ts). */
export const RESTRICT_TASKS = [
  'validate-restrict-input', 'plan-restrict', 'save-rules', 'add-replacements', 'revoke-rules', 'verify-restricted', 'build-restrict-report',
  // The rollback: restore's own steps (tasks/security-groups/lib/undo.ts) on what the account shows, then a fresh read.
  'roll-back-restrict', 'finish-rollback',
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
  rollBack: 'RollBack',
  finishRollback: 'FinishRollback',
  routeRollbackOutcome: 'RouteRollbackOutcome',
  rolledBack: 'RolledBack',
  rollbackIncomplete: 'RollbackIncomplete',
  rollbackFailed: 'RollbackFailed',
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
    work: { replacements: [], revoked: [], verification: {}, rolledBack: { reauthorized: [], removedReplacements: [] }, rollbackErrors: {} },
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
      // Any failure once a rule may have changed (after SaveRules) rolls back by itself.
      const rollback = rollbackPath(scope, fns);
      for (const step of [add, revoke, verify]) step.addCatch(rollback, { errors: [sfn.Errors.ALL], resultPath: '$.work.error' });
      // Replacements first: the organisation's range keeps its access while the world loses it.
      return { otherwise: save.next(add).next(revoke).next(verify).next(report) };
    },
  });
}

/**
 * RollBack (from the account: what this run revoked and added, put back) -> FinishRollback (a fresh read, rule by rule)
 * -> RemediationRolledBack, or RollbackFailedError with what a person must do. RollBack failing outright still goes to
 * FinishRollback, which reads the truth.
 */
function rollbackPath(scope: Construct, fns: Record<RestrictTask, IFunction>): sfn.IChainable {
  const finish = lambdaTask(scope, States.finishRollback, fns['finish-rollback'], {
    payload: {
      'executionName.$': '$.execution.name', 'vpcId.$': '$.plan.vpcId', 'plan.$': '$.plan', 'error.$': '$.work.error',
      'reauthorized.$': '$.work.rolledBack.reauthorized', 'removedReplacements.$': '$.work.rolledBack.removedReplacements', 'rollbackErrors.$': '$.work.rollbackErrors',
    },
    resultPath: '$.work.rollback',
  });
  // FinishRollback's own failure (after its retries) is the last resort: the raw error, nothing known about the rules.
  finish.addCatch(new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollbackError.Cause' }), { resultPath: '$.work.rollbackError' });
  finish.next(new sfn.Choice(scope, States.routeRollbackOutcome)
    .when(sfn.Condition.booleanEquals('$.work.rollback.allRestored', true),
      new sfn.Fail(scope, States.rolledBack, { error: ErrorNames.remediationRolledBack, causePath: '$.work.rollback.cause' }))
    .otherwise(new sfn.Fail(scope, States.rollbackIncomplete, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollback.cause' })));
  return lambdaTask(scope, States.rollBack, fns['roll-back-restrict'], {
    payload: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan' }, resultPath: '$.work.rolledBack',
  }).addCatch(finish, { resultPath: '$.work.rollbackErrors.rollBack' }).next(finish);
}
