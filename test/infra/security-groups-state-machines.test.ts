import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { restoreSecurityGroupsSpec } from '../../infra/workflows/restore-security-groups';
import { restrictSecurityGroupsSpec } from '../../infra/workflows/restrict-security-groups';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { States as Restore } from '../../workflows/restore-security-groups';
import { States as Restrict } from '../../workflows/restrict-security-groups';
import { parseStateMachine, stateNamed, type ParsedStateMachine } from './definition';
import { CDK_CONTEXT, ENV } from './synth';

const EXPECTED_RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

/** A failure once a rule may have changed: into the rollback, with the error kept for its report. */
const TO_ROLLBACK = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: Restrict.rollBack }];

let restrict: ParsedStateMachine;
let restore: ParsedStateMachine;
beforeAll(() => {
  const app = new App({ context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'SecurityGroupMachines', { env: ENV });
  new RemediationWorkflow(stack, 'RestrictSecurityGroups', restrictSecurityGroupsSpec, {});
  new RemediationWorkflow(stack, 'RestoreSecurityGroups', restoreSecurityGroupsSpec, {});
  const template = Template.fromStack(stack);
  restrict = parseStateMachine(template, 'remediation-restrict-security-groups');
  restore = parseStateMachine(template, 'remediation-restore-security-groups');
});

/** A Task state's JSON apart from its Resource (the function's ARN) and comment. */
const task = (machine: ParsedStateMachine, name: string) => {
  const rest: Record<string, unknown> = { ...stateNamed(machine.states, name) };
  delete rest.Resource;
  delete rest.Comment;
  return rest;
};

describe('restrict-security-groups state machine', () => {
  it('is a Standard JSONPath machine with a 30-minute timeout, logging ALL and tracing', () => {
    expect(restrict.asl).toMatchObject({ StartAt: S.validateInput, TimeoutSeconds: 1800, QueryLanguage: 'JSONPath' });
    expect(restrict.properties).toMatchObject({
      StateMachineName: 'remediation-restrict-security-groups', StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });

  it('locks the VPC ValidateInput names and tags the groups the plan changes', () => {
    expect(task(restrict, S.acquireLock)).toMatchObject({
      Parameters: { workflow: 'restrict-security-groups', 'target.$': '$.target', ttlSeconds: 1800, 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name' },
    });
    expect(task(restrict, S.lockResources)).toEqual({
      Type: 'Task', Parameters: { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', 'resources.$': '$.plan.toChange' },
      ResultPath: '$.lockedResources', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: Restrict.saveRules,
    });
  });

  it('plans with the VPC, and goes to the report unless PROCEED', () => {
    expect(task(restrict, Restrict.planRestrict)).toEqual({
      Type: 'Task', Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'vpcId.$': '$.target' },
      ResultPath: '$.plan', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: S.initWork,
    });
    expect(stateNamed(restrict.states, S.initWork)).toEqual({
      Type: 'Pass', Parameters: { replacements: [], revoked: [], verification: {}, rolledBack: { reauthorized: [], removedReplacements: [] }, rollbackErrors: {} }, ResultPath: '$.work', Next: S.routeByPlan,
    });
    expect(stateNamed(restrict.states, S.routeByPlan)).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: S.buildReport }], Default: S.lockResources,
    });
  });

  it('saves before any change, adds the replacements before revoking, verifies, then reports; each Task retries transient errors only', () => {
    expect(task(restrict, Restrict.saveRules)).toEqual({
      Type: 'Task', Parameters: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan', 'replacementCidrs.$': '$.request.replacementCidrs' },
      ResultPath: '$.work.saved', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: Restrict.addReplacements,
    });
    expect(task(restrict, Restrict.addReplacements)).toEqual({
      Type: 'Task', Parameters: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan', 'replacementCidrs.$': '$.request.replacementCidrs' },
      ResultPath: '$.work.replacements', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Catch: TO_ROLLBACK, Next: Restrict.revokeRules,
    });
    expect(task(restrict, Restrict.revokeRules)).toEqual({
      Type: 'Task', Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.revoked', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Catch: TO_ROLLBACK, Next: Restrict.verifyRestricted,
    });
    expect(task(restrict, Restrict.verifyRestricted)).toEqual({
      Type: 'Task', Parameters: { 'request.$': '$.request', 'plan.$': '$.plan', 'replacements.$': '$.work.replacements' },
      ResultPath: '$.work.verification', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Catch: TO_ROLLBACK, Next: S.buildReport,
    });
  });

  it('has no Retry on States.ALL; besides the kit\'s catch, every step after SaveRules catches into the rollback', () => {
    for (const [, state] of restrict.states) for (const retry of state.Retry ?? []) expect(retry.ErrorEquals).not.toContain('States.ALL');
    expect([...restrict.states].filter(([, s]) => s.Catch).map(([name]) => name).sort()).toEqual([
      S.remediation, Restrict.addReplacements, Restrict.revokeRules, Restrict.verifyRestricted,
      Restrict.rollBack, Restrict.finishRollback,
    ].sort());
    expect(stateNamed(restrict.states, Restrict.saveRules).Catch).toBeUndefined();
  });

  it('rolls back from the account, and goes on to the fresh read whatever the rollback step did', () => {
    expect(stateNamed(restrict.states, S.initWork)).toMatchObject({ Parameters: { rolledBack: { reauthorized: [], removedReplacements: [] }, rollbackErrors: {} } });
    expect(task(restrict, Restrict.rollBack)).toEqual({
      Type: 'Task', Parameters: { 'executionName.$': '$.execution.name', 'plan.$': '$.plan' }, ResultPath: '$.work.rolledBack',
      TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackErrors.rollBack', Next: Restrict.finishRollback }],
      Next: Restrict.finishRollback,
    });
  });

  it('ends FAILED: RemediationRolledBack when everything is back, RollbackFailedError otherwise, with the report as the cause', () => {
    expect(task(restrict, Restrict.finishRollback)).toEqual({
      Type: 'Task',
      Parameters: {
        'executionName.$': '$.execution.name', 'vpcId.$': '$.plan.vpcId', 'plan.$': '$.plan', 'error.$': '$.work.error',
        'reauthorized.$': '$.work.rolledBack.reauthorized', 'removedReplacements.$': '$.work.rolledBack.removedReplacements', 'rollbackErrors.$': '$.work.rollbackErrors',
      },
      ResultPath: '$.work.rollback', TimeoutSeconds: 60, Retry: EXPECTED_RETRY,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackError', Next: Restrict.rollbackFailed }], Next: Restrict.routeRollbackOutcome,
    });
    expect(stateNamed(restrict.states, Restrict.routeRollbackOutcome)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.work.rollback.allRestored', BooleanEquals: true, Next: Restrict.rolledBack }], Default: Restrict.rollbackIncomplete,
    });
    expect(stateNamed(restrict.states, Restrict.rolledBack)).toEqual({ Type: 'Fail', Error: 'RemediationRolledBack', CausePath: '$.work.rollback.cause' });
    expect(stateNamed(restrict.states, Restrict.rollbackIncomplete)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.rollback.cause' });
    expect(stateNamed(restrict.states, Restrict.rollbackFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.rollbackError.Cause' });
  });
});

describe('restore-security-groups state machine', () => {
  it('locks the same VPC target and tags the groups it changes', () => {
    expect(restore.asl).toMatchObject({ StartAt: S.validateInput, TimeoutSeconds: 1800, QueryLanguage: 'JSONPath' });
    expect(task(restore, S.acquireLock)).toMatchObject({ Parameters: { workflow: 'restore-security-groups', 'target.$': '$.target' } });
    expect(task(restore, S.lockResources)).toMatchObject({ Parameters: { 'resources.$': '$.plan.toChange' }, Next: Restore.authorizeRules });
  });

  it('puts the saved rules back before removing the replacements, verifies, then reports', () => {
    expect(task(restore, Restore.planRestore)).toEqual({
      Type: 'Task', Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'vpcId.$': '$.target' },
      ResultPath: '$.plan', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: S.initWork,
    });
    expect(task(restore, Restore.authorizeRules)).toEqual({
      Type: 'Task', Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.restored', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: Restore.removeReplacements,
    });
    expect(task(restore, Restore.removeReplacements)).toEqual({
      Type: 'Task', Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.removed', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: Restore.verifyRestored,
    });
    expect(task(restore, Restore.verifyRestored)).toEqual({
      Type: 'Task', Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.verification', TimeoutSeconds: 60, Retry: EXPECTED_RETRY, Next: S.buildReport,
    });
  });
});
