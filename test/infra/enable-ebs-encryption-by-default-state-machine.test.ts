import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { buildEbsDefaultDefinition, EBS_DEFAULT_TASKS, States } from '../../workflows/enable-ebs-encryption-by-default';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { stateNamed } from './definition';
import { fastDefinition, standIn } from './fast-definition';

// GIVEN the workflow's own builder on a bare Stack with stand-in functions, WHEN its definition is resolved,
// THEN each state is exactly as below (fast style: no app, no bundling).
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const task = (name: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: standIn(name), Retry: RETRY, TimeoutSeconds: 60, ...fields });
const RESTORE = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.restoreEbsDefault }];
const { states } = fastDefinition(EBS_DEFAULT_TASKS, buildEbsDefaultDefinition);

describe('enable-ebs-encryption-by-default state machine', () => {
  it('locks account-level (no target: <account>/<region>/<workflow>) and plans without the lock', () => {
    expect(stateNamed(states, SkeletonStates.acquireLock).Parameters).toEqual({
      workflow: 'enable-ebs-encryption-by-default', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 1800,
    });
    expect(stateNamed(states, SkeletonStates.routeByMode)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.mode', StringEquals: 'plan', Next: SkeletonStates.withoutLock }], Default: SkeletonStates.acquireLock,
    });
  });

  it('plans read-only, then proceeds only on PROCEED', () => {
    expect(stateNamed(states, States.planEbsDefault)).toEqual(task('plan-ebs-default', {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution' }, ResultPath: '$.plan', Next: States.initWork,
    }));
    expect(stateNamed(states, States.routeByPlan)).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }], Default: States.enableEncryptionByDefault,
    });
  });

  it('enables, sets the key, verifies; any failure of the three restores', () => {
    expect(stateNamed(states, States.enableEncryptionByDefault)).toEqual(task('enable-encryption-by-default', {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.enabled', Next: States.setDefaultKmsKey, Catch: RESTORE,
    }));
    expect(stateNamed(states, States.setDefaultKmsKey)).toEqual(task('set-default-kms-key', {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.key', Next: States.verifyEbsDefault, Catch: RESTORE,
    }));
    expect(stateNamed(states, States.verifyEbsDefault)).toEqual(task('verify-ebs-default', {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.verified', Next: States.buildReport, Catch: RESTORE,
    }));
  });

  it('the restore ends FAILED with its own verdict (RemediationRolledBack or RollbackFailedError) and report; a restore that fails is RollbackFailedError', () => {
    expect(stateNamed(states, States.restoreEbsDefault)).toEqual(task('restore-ebs-default', {
      Parameters: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, ResultPath: '$.work.restored', Next: States.ebsDefaultRolledBack,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.restoreError', Next: States.restoreFailed }],
    }));
    expect(stateNamed(states, States.ebsDefaultRolledBack)).toEqual({ Type: 'Fail', ErrorPath: '$.work.restored.error', CausePath: '$.work.restored.cause' });
    expect(stateNamed(states, States.restoreFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.restoreError.Cause' });
  });

  it('reports from the request, the plan and the work, whose paths InitWork creates', () => {
    expect(stateNamed(states, States.initWork)).toEqual({
      Type: 'Pass', Parameters: { enabled: {}, key: {}, verified: {} }, ResultPath: '$.work', Next: States.routeByPlan,
    });
    expect(stateNamed(states, States.buildReport)).toEqual(task('build-ebs-default-report', {
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' }, End: true,
    }));
  });
});
