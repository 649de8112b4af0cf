import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { isolateInstanceSpec } from '../../infra/workflows/isolate-instance';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { ISOLATE_INSTANCE_TASKS, States, buildIsolateInstanceDefinition } from '../../workflows/isolate-instance';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import type { AslState } from './definition';
import { fastDefinition, standIn } from './fast-definition';

// GIVEN the isolate-instance definition from its own builder on a bare stack (stand-in functions), WHEN its states are
// rendered, THEN the key states' JSON is exactly what the workflow promises. Milliseconds: no app synthesis.
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const ROTATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-rotate-key-pair';
const ROLLBACK_CATCH = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.rollbackIsolation }];
let states: Map<string, AslState>;
beforeAll(() => {
  // The lock as the spec asks for it (its target, the resources LockResources tags, the hand-over to rotate-key-pair).
  const { targetPath, resourcesPath } = isolateInstanceSpec.lock ?? {};
  ({ states } = fastDefinition(ISOLATE_INSTANCE_TASKS,
    (scope, fns, kit) => buildIsolateInstanceDefinition(scope, fns, kit, sfn.StateMachine.fromStateMachineArn(scope, 'RotateKeyPair', ROTATE_MACHINE)),
    { ...(targetPath ? { targetPath } : {}), ...(resourcesPath ? { resourcesPath } : {}), comparePlans: true, ttlSeconds: 108000, handOver: true }));
});
const state = (name: string): AslState => {
  const found = states.get(name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
};
const invoke = (task: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: standIn(task), Retry: RETRY, TimeoutSeconds: 60, ...fields });

describe('isolate-instance state machine', () => {
  it('locks on the instance ValidateInput names (a release: the case record\'s instance)', () => {
    expect(state('AcquireLock')).toMatchObject({ Parameters: expect.objectContaining({ 'target.$': '$.instanceId', workflow: 'isolate-instance', ttlSeconds: 108000 }) });
  });

  it('a plan that proceeds first tags the ENIs it will move or put back (LockResources), before the approval gate and any change', () => {
    expect(isolateInstanceSpec.lock).toEqual({ targetPath: '$.instanceId', resourcesPath: '$.plan.networkInterfaceIds', handsOver: true });
    expect(state(SkeletonStates.routeByPlan)).toEqual({
      Type: 'Choice', Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: SkeletonStates.buildReport }], Default: SkeletonStates.lockResources,
    });
    expect(state(SkeletonStates.lockResources)).toEqual(invoke('lock-resources', {
      Parameters: { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', 'resources.$': '$.plan.networkInterfaceIds' },
      ResultPath: '$.lockedResources', Next: SkeletonStates.routeAfterLock,
    }));
    expect(state(SkeletonStates.routeAfterLock)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.approval', BooleanEquals: true, Next: SkeletonStates.requestApproval }], Default: States.routeByAction,
    });
  });

  it('routes a release to ReleaseIsolation, everything else to the forensic snapshots', () => {
    expect(state(States.routeByAction)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.plan.action', StringEquals: 'release', Next: States.releaseIsolation }], Default: States.snapshotInstance,
    });
  });

  it('waits for the snapshots with a Wait whose seconds the check computes, failures into the rollback', () => {
    expect(state(States.waitForensicSnapshots)).toEqual({ Type: 'Wait', SecondsPath: '$.work.snapshotPoll.waitSeconds', Next: States.checkForensicSnapshots });
    expect(state(States.routeForensicSnapshots)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.snapshotPoll.status', StringEquals: 'pending', Next: States.waitForensicSnapshots },
        { Variable: '$.work.snapshotPoll.status', StringEquals: 'error', Next: States.describeSnapshotFailure },
      ],
      Default: States.protectInstance,
    });
  });

  it('keeps the ENIs in the untracked group for untrackedWaitSeconds (a Wait state, no sleep in a Lambda)', () => {
    expect(state(States.waitUntracked)).toEqual({ Type: 'Wait', SecondsPath: '$.request.untrackedWaitSeconds', Next: States.recheckIsolation });
  });

  it('re-checks the instance and its ENIs after the wait, before the empty group; a change is caught into the rollback', () => {
    expect(state(States.recheckIsolation)).toEqual(invoke('recheck-isolation', {
      Parameters: { 'plan.$': '$.plan', 'enis.$': '$.work.groups.enis', 'executionName.$': '$$.Execution.Name' },
      ResultPath: '$.work.rechecked', Next: States.moveToIsolationGroups, Catch: ROLLBACK_CATCH,
    }));
  });

  it('moves every ENI (a Map over the ENIs with their groups), failures into the rollback', () => {
    const map = state(States.moveToIsolationGroups) as Record<string, unknown> & { ItemProcessor: { StartAt: string; States: Record<string, unknown> } };
    expect(map).toMatchObject({
      Type: 'Map', ItemsPath: '$.work.groups.enis', MaxConcurrency: 4, ResultPath: '$.work.isolated', Next: States.revokeInstanceProfile,
      ItemSelector: { 'eni.$': '$$.Map.Item.Value', 'caseId.$': '$.plan.caseId', 'instanceId.$': '$.plan.instanceId', to: 'empty' },
      Catch: ROLLBACK_CATCH,
    });
    expect(map.ItemProcessor.StartAt).toBe(States.moveToIsolationGroup);
    expect(map.ItemProcessor.States[States.moveToIsolationGroup]).toEqual(invoke('move-network-interface', { End: true }));
    expect(state(States.moveToUntrackedGroups)).toMatchObject({ ItemSelector: { to: 'untracked' }, Next: States.routeByKeyRotation, Catch: ROLLBACK_CATCH });
  });

  it.each([States.snapshotInstance, States.protectInstance, States.removeFromService, States.ensureIsolationGroups, States.revokeInstanceProfile,
    States.startSourceBlock, States.tagIsolated, States.verifyIsolation, States.checkForensicSnapshots])('%s is caught into the rollback', (name) => {
    expect(state(name).Catch).toEqual(ROLLBACK_CATCH);
  });

  it('rolls back from the case record and fails with the error the rollback names (RemediationRolledBack or RollbackFailedError)', () => {
    expect(state(States.rollbackIsolation)).toEqual(invoke('restore-instance', {
      Parameters: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', reason: 'rollback', 'error.$': '$.work.error' },
      ResultPath: '$.work.rollback', Next: States.isolationRolledBack,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackError', Next: States.rollbackFailed }],
    }));
    expect(state(States.isolationRolledBack)).toEqual({ Type: 'Fail', ErrorPath: '$.work.rollback.error', CausePath: '$.work.rollback.cause' });
    expect(state(States.rollbackFailed)).toEqual({ Type: 'Fail', Error: 'RollbackFailedError', CausePath: '$.work.rollbackError.Cause' });
  });

  it('starts block-source-ip only when the input names a source', () => {
    expect(state(States.routeBySourceBlock)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.request.blockSourceIp', IsPresent: true, Next: States.startSourceBlock }], Default: States.tagIsolated,
    });
  });

  it('ReleaseLock ends the execution: nothing is started after the lock', () => {
    expect(state('ReleaseLock')).toMatchObject({ Next: 'Done' });
    expect(state('Done')).toEqual({ Type: 'Succeed' });
  });

  describe('rotateKeyPair (an SSM-managed instance): the lock handed to rotate-key-pair after the untracked group', () => {
    it('routes to the hand-over only when the plan names a child, else straight to the wait', () => {
      expect(state(States.routeByKeyRotation)).toEqual({
        Type: 'Choice', Choices: [{ Variable: '$.plan.keyRotation', IsPresent: true, Next: States.grantLockHandOver }], Default: States.waitUntracked,
      });
    });

    it('grants the lock to the child named in the plan, failures into the rollback', () => {
      expect(state(States.grantLockHandOver)).toEqual(invoke('grant-lock', {
        Parameters: { 'lock.$': '$.lock', 'childName.$': '$.plan.keyRotation.name' }, ResultPath: '$.work.keyRotation.granted',
        Next: States.startKeyRotation, Catch: ROLLBACK_CATCH,
      }));
    });

    it('starts rotate-key-pair .sync:2 under that name with the parent associated (AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID), its failure recorded, not rolled back', () => {
      expect(state(States.startKeyRotation)).toEqual({
        // A bare Stack has no partition of its own: the synthesized stack resolves it (arn:aws:states:::states:startExecution.sync:2).
        Type: 'Task', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::states:startExecution.sync:2']] },
        Parameters: {
          StateMachineArn: ROTATE_MACHINE, 'Name.$': '$.plan.keyRotation.name',
          Input: {
            'instanceId.$': '$.plan.instanceId', 'caseId.$': '$.plan.caseId', rotateKeyPair: true,
            trigger: { source: 'eventbridge', 'parentExecution.$': '$$.Execution.Name' }, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status', 'output.$': '$.Output' },
        ResultPath: '$.work.keyRotation.child', TimeoutSeconds: 7200,
        Retry: [{
          ErrorEquals: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.ThrottlingException', 'StepFunctions.SfnException'],
          IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL',
        }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.keyRotation.failure', Next: States.recordKeyRotationFailure }],
        Next: States.recordKeyRotation,
      });
    });

    it('records the ending (success or failure) in the case record, then reclaims the lock, then the wait', () => {
      expect(state(States.recordKeyRotation)).toEqual(invoke('record-key-rotation', {
        Parameters: { 'plan.$': '$.plan', 'child.$': '$.work.keyRotation.child' }, ResultPath: '$.work.keyRotation.result', Next: States.reclaimLock, Catch: ROLLBACK_CATCH,
      }));
      expect(state(States.recordKeyRotationFailure)).toEqual(invoke('record-key-rotation', {
        Parameters: { 'plan.$': '$.plan', 'failure.$': '$.work.keyRotation.failure' }, ResultPath: '$.work.keyRotation.result', Next: States.reclaimLock, Catch: ROLLBACK_CATCH,
      }));
      expect(state(States.reclaimLock)).toEqual(invoke('reclaim-lock', {
        Parameters: { 'lock.$': '$.lock', workflow: 'isolate-instance', 'executionName.$': '$$.Execution.Name', 'childName.$': '$.plan.keyRotation.name' },
        ResultPath: '$.work.keyRotation.reclaimed', Next: States.waitUntracked, Catch: ROLLBACK_CATCH,
      }));
    });
  });

  it('a release restores, then verify re-reads the instance', () => {
    expect(state(States.releaseIsolation)).toEqual(invoke('restore-instance', {
      Parameters: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', reason: 'release' }, ResultPath: '$.work.restored', Next: States.verifyRelease,
    }));
    expect(state(States.verifyRelease)).toEqual(invoke('verify-isolation', { Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.verified', Next: States.buildReport }));
  });
});
