import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { buildImdsDefinition, IMDS_TASKS, States } from '../../workflows/enforce-imdsv2';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { stateNamed } from './definition';
import { fastDefinition, standIn } from './fast-definition';

// GIVEN the workflow's own builder on a bare Stack with stand-in functions, WHEN its definition is resolved,
// THEN each state is exactly as below (fast style: no app, no bundling).
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const task = (name: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: standIn(name), Retry: RETRY, TimeoutSeconds: 60, ...fields });
const RESTORE = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.restoreMetadataOptions }];
const INPUTS = { 'request.$': '$.request', 'plan.$': '$.plan' };
const { states } = fastDefinition(IMDS_TASKS, buildImdsDefinition, {
  targetPath: '$.lockTarget', resourcesPath: '$.plan.toEnforce', untagResources: true, comparePlans: true, ttlSeconds: 93600,
});

describe('enforce-imdsv2 state machine', () => {
  it('locks on the validated lock target and releases with untagResources (several instances: an account-level key)', () => {
    expect(stateNamed(states, S.acquireLock).Parameters).toEqual({
      workflow: 'enforce-imdsv2', 'target.$': '$.lockTarget', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 93600,
    });
    const release = { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', untagResources: true };
    expect(stateNamed(states, S.releaseLock).Parameters).toEqual(release);
    expect(stateNamed(states, S.releaseLockAfterFailure).Parameters).toEqual(release);
  });

  it('tags the instances to change before any approval or change, then asks when the input says so', () => {
    expect(stateNamed(states, States.routeByPlan)).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }], Default: States.lockResources,
    });
    expect(stateNamed(states, States.lockResources)).toEqual(task('lock-resources', {
      Parameters: { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', 'resources.$': '$.plan.toEnforce' }, ResultPath: '$.lockedResources', Next: States.routeAfterLock,
    }));
    expect(stateNamed(states, States.routeAfterLock)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.approval', BooleanEquals: true, Next: S.requestApproval }], Default: States.enforceImdsv2,
    });
    expect(stateNamed(states, S.comparePlansAfterApproval).Next).toBe(States.enforceImdsv2);
  });

  it('enforces, sets the account default, then polls until EC2 has applied the options; any failure restores', () => {
    expect(stateNamed(states, States.enforceImdsv2)).toEqual(task('enforce-imdsv2', {
      Parameters: INPUTS, ResultPath: '$.work.enforced', Next: States.setMetadataDefaults, Catch: RESTORE,
    }));
    expect(stateNamed(states, States.setMetadataDefaults)).toEqual(task('set-metadata-defaults', {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.defaults', Next: States.checkMetadataOptions, Catch: RESTORE,
    }));
    expect(stateNamed(states, States.checkMetadataOptions)).toEqual(task('check-metadata-options', {
      Parameters: { ...INPUTS, 'poll.$': '$.work.verification' }, ResultPath: '$.work.verification', Next: States.routeMetadataOptions, Catch: RESTORE,
    }));
    expect(stateNamed(states, States.routeMetadataOptions)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.verification.status', StringEquals: 'pending', Next: States.waitMetadataOptions },
        { Variable: '$.work.verification.status', StringEquals: 'error', Next: States.restoreMetadataOptions },
      ],
      Default: States.buildReport,
    });
    expect(stateNamed(states, States.waitMetadataOptions)).toEqual({ Type: 'Wait', SecondsPath: '$.work.verification.waitSeconds', Next: States.checkMetadataOptions });
  });

  it('the restore ends FAILED with its own verdict and report; a restore that fails is RollbackFailedError', () => {
    expect(stateNamed(states, States.restoreMetadataOptions)).toEqual(task('restore-metadata-options', {
      Parameters: { 'plan.$': '$.plan', 'execution.$': '$.execution', 'error.$': '$.work.error' }, ResultPath: '$.work.restored', Next: States.imdsRolledBack,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.restoreError', Next: States.restoreFailed }],
    }));
    expect(stateNamed(states, States.imdsRolledBack)).toEqual({ Type: 'Fail', ErrorPath: '$.work.restored.error', CausePath: '$.work.restored.cause' });
    expect(stateNamed(states, States.restoreFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.restoreError.Cause' });
  });

  it('InitWork creates every path the report reads', () => {
    expect(stateNamed(states, States.initWork)).toEqual({
      Type: 'Pass', Parameters: { enforced: [], defaults: {}, verification: {} }, ResultPath: '$.work', Next: States.routeByPlan,
    });
  });
});
