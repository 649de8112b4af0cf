import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.rotateKeyPair;

/** One Lambda per task (tasks/key-pair/<task>.ts). */
export const ROTATE_KEY_PAIR_TASKS = [
  'validate-rotate-input', 'plan-key-rotation', 'create-key-pair', 'send-key-command', 'check-key-command', 'verify-key-pair',
  'delete-old-key-pair', 'remove-new-key-pair', 'build-rotate-report', 'request-approval', 'verify-approver',
] as const;
export type RotateKeyPairTask = (typeof ROTATE_KEY_PAIR_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  planKeyRotation: 'PlanKeyRotation',
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval,
  createKeyPair: 'CreateKeyPair',
  sendRotateCommand: 'SendRotateCommand',
  routeRotateSendFailure: 'RouteRotateSendFailure',
  rotateMaybeSent: 'RotateMaybeSent',
  checkRotateCommand: 'CheckRotateCommand',
  routeRotateCommand: 'RouteRotateCommand',
  waitRotateCommand: 'WaitRotateCommand',
  rotateCommandFailed: 'RotateCommandFailed',
  sendVerifyCommand: 'SendVerifyCommand',
  checkVerifyCommand: 'CheckVerifyCommand',
  routeVerifyCommand: 'RouteVerifyCommand',
  waitVerifyCommand: 'WaitVerifyCommand',
  verifyCommandFailed: 'VerifyCommandFailed',
  verifyKeyPair: 'VerifyKeyPair',
  deleteOldKeyPair: 'DeleteOldKeyPair',
  routeRollback: 'RouteRollback',
  sendRestoreCommand: 'SendRestoreCommand',
  checkRestoreCommand: 'CheckRestoreCommand',
  routeRestoreCommand: 'RouteRestoreCommand',
  waitRestoreCommand: 'WaitRestoreCommand',
  removeNewKeyPair: 'RemoveNewKeyPair',
  removeNewKeyPairUnchanged: 'RemoveNewKeyPairUnchanged',
  restoreCommandFailed: 'RestoreCommandFailed',
  describeRollback: 'DescribeRollback',
  rolledBack: 'RolledBack',
  describeRollbackFailure: 'DescribeRollbackFailure',
  rollbackFailed: 'RollbackFailed',
  buildReport: SkeletonStates.buildReport,
} as const;

export const COMMENT = [
  'Rotates the SSH key pair of an SSM-managed Linux instance: imports a new key pair (its private key in a SecureString',
  'parameter only the KeyPairReaders role may read), replaces the old key in authorized_keys through SSM Run Command,',
  'verifies, then deletes the old key pair from EC2; any failure restores authorized_keys and removes the new key pair.',
  'Start it with {"instanceId": "i-0123456789abcdef0", "rotateKeyPair": true} (schema: docs/schemas/rotate-key-pair.json;',
  'without rotateKeyPair it only reports; try "mode": "plan" first).',
].join(' ');

/** Where each step keeps its result. */
const WORK = {
  created: '$.work.created', rotateCommand: '$.work.rotateCommand', rotatePoll: '$.work.rotatePoll', verifyCommand: '$.work.verifyCommand',
  verifyPoll: '$.work.verifyPoll', verified: '$.work.verified', deletedOld: '$.work.deletedOld', error: '$.work.error',
  restoreCommand: '$.work.restoreCommand', restorePoll: '$.work.restorePoll', rollback: '$.work.rollback', rollbackError: '$.work.rollbackError',
} as const;

/**
 * ValidateInput -> lock on the instance -> PlanKeyRotation -> RouteByPlan [-> approval, the plan made again and compared]
 * -> CreateKeyPair -> SendRotateCommand -> poll -> SendVerifyCommand -> poll -> VerifyKeyPair -> DeleteOldKeyPair -> BuildReport.
 * Any failure from CreateKeyPair on: RouteRollback -> [SendRestoreCommand -> poll, when the rotate command was sent]
 * -> RemoveNewKeyPair -> RolledBack (RemediationRolledBack); a rollback that fails ends RollbackFailed.
 */
export function buildRotateKeyPairDefinition(scope: Construct, fns: Record<RotateKeyPairTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  const comparePlans = kit.comparePlans;
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-rotate-input'], preflight: fns['plan-key-rotation'], buildReport: fns['build-rotate-report'],
    preflightState: States.planKeyRotation,
    // Each poll loop starts from an empty poll state (tasks/lib/polling.ts advancePoll).
    work: { rotatePoll: {}, verifyPoll: {}, restorePoll: {} },
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.plan.target', comparePlans },
    apply: (report) => ({ otherwise: applyPath(scope, fns, report) }),
  });
}

function applyPath(scope: Construct, fns: Record<RotateKeyPairTask, IFunction>, report: sfn.IChainable): sfn.IChainable {
  const rollback = rollbackPath(scope, fns);
  const onError = { errors: [sfn.Errors.ALL], resultPath: WORK.error };
  const send = (id: string, kind: 'rotate' | 'verify' | 'restore', resultPath: string) => lambdaTask(scope, id, fns['send-key-command'], {
    payload: { kind, 'plan.$': '$.plan', 'created.$': WORK.created, 'executionName.$': '$$.Execution.Name' }, resultPath,
  });
  // A poll that reports the command's failure: its error becomes the rollback's cause.
  const commandFailed = (id: string, poll: string) => new sfn.Pass(scope, id, { parameters: { 'Error.$': `${poll}.error.Error`, 'Cause.$': `${poll}.error.Cause` }, resultPath: WORK.error }).next(rollback);
  const poll = (names: { check: string; route: string; wait: string; failed: string }, command: string, pollPath: string) => {
    const loop = pollLoop(scope, names, fns['check-key-command'], { 'command.$': command, 'poll.$': pollPath }, pollPath, commandFailed(names.failed, pollPath));
    loop.check.addCatch(rollback, onError);
    return loop;
  };

  const create = lambdaTask(scope, States.createKeyPair, fns['create-key-pair'], {
    payload: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', 'request.$': '$.request' }, resultPath: WORK.created,
  }).addCatch(rollback, onError);
  // A send that failed may still have reached the instance (a lost answer): unless it was refused before anything was
  // sent (the re-check, or SSM refusing the instance), the rollback restores the backup too (a no-op without one).
  const sendFailed = new sfn.Choice(scope, States.routeRotateSendFailure)
    .when(sfn.Condition.or(...[ErrorNames.instanceChanged, ErrorNames.preconditionFailed].map((e) => sfn.Condition.stringEquals(`${WORK.error}.Error`, e))), rollback)
    .otherwise(new sfn.Pass(scope, States.rotateMaybeSent, { result: sfn.Result.fromObject({ maybeSent: true }), resultPath: WORK.rotateCommand }).next(rollback));
  const sendRotate = send(States.sendRotateCommand, 'rotate', WORK.rotateCommand).addCatch(sendFailed, onError);
  const rotate = poll({ check: States.checkRotateCommand, route: States.routeRotateCommand, wait: States.waitRotateCommand, failed: States.rotateCommandFailed }, WORK.rotateCommand, WORK.rotatePoll);
  const sendVerify = send(States.sendVerifyCommand, 'verify', WORK.verifyCommand).addCatch(rollback, onError);
  const verifyOnInstance = poll({ check: States.checkVerifyCommand, route: States.routeVerifyCommand, wait: States.waitVerifyCommand, failed: States.verifyCommandFailed }, WORK.verifyCommand, WORK.verifyPoll);
  const verify = lambdaTask(scope, States.verifyKeyPair, fns['verify-key-pair'], {
    payload: { 'created.$': WORK.created, 'verifyPoll.$': WORK.verifyPoll }, resultPath: WORK.verified,
  }).addCatch(rollback, onError);
  const deleteOld = lambdaTask(scope, States.deleteOldKeyPair, fns['delete-old-key-pair'], { payload: { 'plan.$': '$.plan' }, resultPath: WORK.deletedOld })
    .addCatch(rollback, onError);

  rotate.route.otherwise(sendVerify);
  sendVerify.next(verifyOnInstance.check);
  verifyOnInstance.route.otherwise(verify);
  verify.next(deleteOld).next(report);
  return create.next(sendRotate).next(rotate.check);
}

/**
 * Puts authorized_keys back from the rotate command's backup (only when that command was sent: before it, nothing on
 * the instance changed), then deletes the new key pair and its parameter. The old key pair was never deleted
 * before verify passed, so it is still there. Any failure here: RollbackFailedError, with what a person must do.
 */
function rollbackPath(scope: Construct, fns: Record<RotateKeyPairTask, IFunction>): sfn.IChainable {
  const failed = new sfn.Pass(scope, States.describeRollbackFailure, {
    parameters: {
      'cause.$': "States.Format('rollback incomplete ({}: {}) after the rotation failed ({}: {}): check ~/.ssh/authorized_keys on {} against its backup authorized_keys.remediation-{}, then delete key pair {} and parameter {} if they exist', $.work.rollbackError.Error, $.work.rollbackError.Cause, $.work.error.Error, $.work.error.Cause, $.plan.instanceId, $$.Execution.Name, $.plan.newKeyName, $.plan.parameterName)",
    },
    resultPath: WORK.rollbackError,
  }).next(new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: `${WORK.rollbackError}.cause` }));
  const onError = { errors: [sfn.Errors.ALL], resultPath: WORK.rollbackError };
  const rolledBack = new sfn.Pass(scope, States.describeRollback, { parameters: { 'cause.$': `States.JsonToString(${WORK.rollback})` }, resultPath: WORK.rollback })
    .next(new sfn.Fail(scope, States.rolledBack, { error: ErrorNames.remediationRolledBack, causePath: `${WORK.rollback}.cause` }));
  const remove = (id: string, restored: boolean) => lambdaTask(scope, id, fns['remove-new-key-pair'], {
    payload: { 'plan.$': '$.plan', 'executionName.$': '$$.Execution.Name', 'error.$': WORK.error, ...(restored ? { 'restored.$': WORK.restorePoll } : {}) },
    resultPath: WORK.rollback,
  }).addCatch(failed, onError).next(rolledBack);
  const restoreFailed = new sfn.Pass(scope, States.restoreCommandFailed, { parameters: { 'Error.$': `${WORK.restorePoll}.error.Error`, 'Cause.$': `${WORK.restorePoll}.error.Cause` }, resultPath: WORK.rollbackError }).next(failed);
  const restore = pollLoop(scope, { check: States.checkRestoreCommand, route: States.routeRestoreCommand, wait: States.waitRestoreCommand },
    fns['check-key-command'], { 'command.$': WORK.restoreCommand, 'poll.$': WORK.restorePoll }, WORK.restorePoll, restoreFailed);
  restore.check.addCatch(failed, onError);
  restore.route.otherwise(remove(States.removeNewKeyPair, true));
  const sendRestore = lambdaTask(scope, States.sendRestoreCommand, fns['send-key-command'], {
    payload: { kind: 'restore', 'plan.$': '$.plan', 'created.$': WORK.created, 'executionName.$': '$$.Execution.Name' }, resultPath: WORK.restoreCommand,
  }).addCatch(failed, onError).next(restore.check);
  return new sfn.Choice(scope, States.routeRollback)
    .when(sfn.Condition.isPresent(WORK.rotateCommand), sendRestore)
    .otherwise(remove(States.removeNewKeyPairUnchanged, false));
}
