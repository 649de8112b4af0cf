import { ErrorNames, TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { ROTATE_KEY_PAIR_TASKS, States, buildRotateKeyPairDefinition } from '../../workflows/rotate-key-pair';
import type { AslState } from './definition';
import { fastDefinition, standIn } from './fast-definition';

// GIVEN the rotate-key-pair definition built by its own builder on a bare stack (stand-in functions), WHEN its states are
// rendered, THEN the poll loops, the catches into rollback and the rollback's endings are exactly as promised.
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const invoke = (task: string, fields: Record<string, unknown>) => ({ Type: 'Task', Resource: standIn(task), Retry: RETRY, TimeoutSeconds: 60, ...fields });
const TO_ROLLBACK = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.routeRollback }];
const TO_ROLLBACK_FAILED = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.rollbackError', Next: States.describeRollbackFailure }];

let states: Map<string, AslState>;
beforeAll(() => {
  ({ states } = fastDefinition(ROTATE_KEY_PAIR_TASKS, buildRotateKeyPairDefinition, { targetPath: '$.request.instanceId', comparePlans: true }));
});
const state = (name: string) => {
  const found = states.get(name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
};

describe('rotate-key-pair state machine', () => {
  it('locks on the instance id of the request', () => {
    expect(state('AcquireLock')).toMatchObject({ Parameters: { workflow: 'rotate-key-pair', 'target.$': '$.request.instanceId' }, ResultPath: '$.lock' });
  });

  it('creates the key pair from the plan, the execution and the request, and rolls back on any failure', () => {
    expect(state(States.createKeyPair)).toEqual(invoke('create-key-pair', {
      Parameters: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', 'request.$': '$.request' },
      ResultPath: '$.work.created', Catch: TO_ROLLBACK, Next: States.sendRotateCommand,
    }));
  });

  it('sends the rotate command, then polls it: Wait by the SecondsPath the check computes, error to rollback, completed on to verify', () => {
    expect(state(States.sendRotateCommand)).toEqual(invoke('send-key-command', {
      Parameters: { kind: 'rotate', 'plan.$': '$.plan', 'created.$': '$.work.created', 'executionName.$': '$$.Execution.Name' },
      ResultPath: '$.work.rotateCommand', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.work.error', Next: States.routeRotateSendFailure }], Next: States.checkRotateCommand,
    }));
    expect(state(States.checkRotateCommand)).toEqual(invoke('check-key-command', {
      Parameters: { 'command.$': '$.work.rotateCommand', 'poll.$': '$.work.rotatePoll' },
      ResultPath: '$.work.rotatePoll', Catch: TO_ROLLBACK, Next: States.routeRotateCommand,
    }));
    expect(state(States.routeRotateCommand)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.rotatePoll.status', StringEquals: 'pending', Next: States.waitRotateCommand },
        { Variable: '$.work.rotatePoll.status', StringEquals: 'error', Next: States.rotateCommandFailed },
      ],
      Default: States.sendVerifyCommand,
    });
    expect(state(States.waitRotateCommand)).toEqual({ Type: 'Wait', SecondsPath: '$.work.rotatePoll.waitSeconds', Next: States.checkRotateCommand });
    expect(state(States.rotateCommandFailed)).toEqual({
      Type: 'Pass', Parameters: { 'Error.$': '$.work.rotatePoll.error.Error', 'Cause.$': '$.work.rotatePoll.error.Cause' }, ResultPath: '$.work.error', Next: States.routeRollback,
    });
  });

  it('a rotate send that failed after it may have reached the instance is restored too; one refused before sending is not', () => {
    expect(state(States.routeRotateSendFailure)).toEqual({
      Type: 'Choice',
      Choices: [{ Or: [
        { Variable: '$.work.error.Error', StringEquals: ErrorNames.instanceChanged },
        { Variable: '$.work.error.Error', StringEquals: ErrorNames.preconditionFailed },
      ], Next: States.routeRollback }],
      Default: States.rotateMaybeSent,
    });
    expect(state(States.rotateMaybeSent)).toEqual({ Type: 'Pass', Result: { maybeSent: true }, ResultPath: '$.work.rotateCommand', Next: States.routeRollback });
  });

  it('every poll loop starts from an empty poll state', () => {
    expect(state(States.initWork)).toEqual({ Type: 'Pass', Parameters: { rotatePoll: {}, verifyPoll: {}, restorePoll: {} }, ResultPath: '$.work', Next: States.routeByPlan });
  });

  it('verifies on the instance and in EC2 before the old key pair is deleted, which is the last change', () => {
    expect(state(States.routeVerifyCommand)).toMatchObject({ Default: States.verifyKeyPair });
    expect(state(States.verifyKeyPair)).toEqual(invoke('verify-key-pair', {
      Parameters: { 'created.$': '$.work.created', 'verifyPoll.$': '$.work.verifyPoll' }, ResultPath: '$.work.verified', Catch: TO_ROLLBACK, Next: States.deleteOldKeyPair,
    }));
    expect(state(States.deleteOldKeyPair)).toEqual(invoke('delete-old-key-pair', {
      Parameters: { 'plan.$': '$.plan' }, ResultPath: '$.work.deletedOld', Catch: TO_ROLLBACK, Next: States.buildReport,
    }));
  });

  it('rolls back: authorized_keys restored only when the rotate command was sent, then the new key pair removed', () => {
    expect(state(States.routeRollback)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.work.rotateCommand', IsPresent: true, Next: States.sendRestoreCommand }], Default: States.removeNewKeyPairUnchanged,
    });
    expect(state(States.sendRestoreCommand)).toEqual(invoke('send-key-command', {
      Parameters: { kind: 'restore', 'plan.$': '$.plan', 'created.$': '$.work.created', 'executionName.$': '$$.Execution.Name' },
      ResultPath: '$.work.restoreCommand', Catch: TO_ROLLBACK_FAILED, Next: States.checkRestoreCommand,
    }));
    expect(state(States.routeRestoreCommand)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.work.restorePoll.status', StringEquals: 'pending', Next: States.waitRestoreCommand },
        { Variable: '$.work.restorePoll.status', StringEquals: 'error', Next: States.restoreCommandFailed },
      ],
      Default: States.removeNewKeyPair,
    });
    expect(state(States.removeNewKeyPair)).toEqual(invoke('remove-new-key-pair', {
      Parameters: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', 'error.$': '$.work.error', 'restored.$': '$.work.restorePoll' },
      ResultPath: '$.work.rollback', Catch: TO_ROLLBACK_FAILED, Next: States.describeRollback,
    }));
    expect(state(States.removeNewKeyPairUnchanged)).toMatchObject({ Parameters: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', 'error.$': '$.work.error' }, Next: States.describeRollback });
  });

  it('ends RemediationRolledBack with the rollback report as its cause, or RollbackFailedError saying what a person must do', () => {
    expect(state(States.describeRollback)).toEqual({ Type: 'Pass', Parameters: { 'cause.$': 'States.JsonToString($.work.rollback)' }, ResultPath: '$.work.rollback', Next: States.rolledBack });
    expect(state(States.rolledBack)).toEqual({ Type: 'Fail', Error: ErrorNames.remediationRolledBack, CausePath: '$.work.rollback.cause' });
    expect(state(States.rollbackFailed)).toEqual({ Type: 'Fail', Error: ErrorNames.rollbackFailed, CausePath: '$.work.rollbackError.cause' });
    expect(state(States.restoreCommandFailed)).toEqual({
      Type: 'Pass', Parameters: { 'Error.$': '$.work.restorePoll.error.Error', 'Cause.$': '$.work.restorePoll.error.Cause' }, ResultPath: '$.work.rollbackError', Next: States.describeRollbackFailure,
    });
  });
});
