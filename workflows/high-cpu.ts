import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ErrorNames } from '../tasks/lib/errors';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.highCpu;

/** One Lambda per task; the instance tasks are encrypt-volumes' own (tasks/instance/). */
export const HIGH_CPU_TASKS = [
  'validate-input', 'preflight', 'put-alarm', 'stop-instance', 'check-instance-state', 'modify-instance-type', 'start-instance',
  'check-status-checks', 'verify', 'build-report', 'rollback-resize', 'request-approval', 'verify-approver', 'check-instance-settled',
] as const;
export type HighCpuTask = (typeof HIGH_CPU_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval, preflightAfterApproval: SkeletonStates.preflightAfterApproval,
  routeByAlarm: 'RouteByAlarm', putAlarm: 'PutAlarm',
  routeByResize: 'RouteByResize', routeByInstanceState: 'RouteByInstanceState',
  stopInstance: 'StopInstance', checkInstanceStopped: 'CheckInstanceStopped', routeInstanceStopped: 'RouteInstanceStopped', waitInstanceStopped: 'WaitInstanceStopped',
  modifyInstanceType: 'ModifyInstanceType', routeAfterModify: 'RouteAfterModify',
  startInstance: 'StartInstance', checkInstanceStarted: 'CheckInstanceStarted', routeInstanceStarted: 'RouteInstanceStarted', waitInstanceStarted: 'WaitInstanceStarted',
  checkStatusChecks: 'CheckStatusChecks', routeStatusChecks: 'RouteStatusChecks', waitStatusChecks: 'WaitStatusChecks',
  stopFailed: 'StopFailed', startFailed: 'StartFailed', statusChecksFailed: 'StatusChecksFailed',
  verify: 'VerifyHighCpu', verifyResize: 'VerifyResize',
  rollbackResize: 'RollbackResize', routeRollbackResize: 'RouteRollbackResize', waitRollbackResize: 'WaitRollbackResize',
  buildRollbackReport: 'BuildRollbackReport', describeRolledBack: 'DescribeRolledBack', rolledBack: 'RolledBack',
  describeRollbackFailed: 'DescribeRollbackFailed', rollbackFailed: 'RollbackFailed',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

/** Where each poll loop keeps its state, initialised by InitWork so every path exists. */
export const POLLS = ['stopped', 'started', 'statusChecks', 'rollback'] as const;
const poll = (key: (typeof POLLS)[number]) => `$.work.polls.${key}`;

export const COMMENT = [
  'Ensures a CloudWatch CPU alarm (remediation-high-cpu-<instanceId>) on one EC2 instance and, with "resize": true or a targetType,',
  'resizes it after a compatibility preflight and a person\'s approval: stop, change type, start, status checks, verify; any failure after the',
  'stop restores the original type. Input such as {"instanceId": "i-0123456789abcdef0", "resize": true} (schema: docs/schemas/high-cpu.json; try "mode": "plan" first).',
].join(' ');

const REPORT_PAYLOAD = { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work' };

export function buildHighCpuDefinition(scope: Construct, fns: Record<HighCpuTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  if (!kit.comparePlans) throw new Error(`${WORKFLOW_NAME} has an approval gate: its spec needs approval: true`);
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-input'], preflight: fns.preflight, buildReport: fns['build-report'],
    // Triage-started or just started by hand: wait out `pending` (and `stopping`) before preflight judges the state.
    settleInstance: { check: fns['check-instance-settled'], instanceIdPath: '$.request.instanceId' },
    work: { polls: Object.fromEntries(POLLS.map((k) => [k, {}])) },
    // A person answers before the stop (input approval, default true with a resize); the kit makes the plan again and compares.
    approval: { requestApproval: fns['request-approval'], verifyApprover: fns['verify-approver'], targetPath: '$.request.instanceId', comparePlans: kit.comparePlans },
    apply: (report) => ({ otherwise: applyPath(scope, fns, report) }),
  });
}

/** [PutAlarm] -> [stop -> wait stopped] -> ModifyInstanceType -> [start -> wait running -> status checks ok] -> verify -> report (alarm only: verify -> report). */
function applyPath(scope: Construct, fns: Record<HighCpuTask, IFunction>, report: sfn.IChainable): sfn.IChainable {
  const instanceId = { 'instanceId.$': '$.plan.instanceId' };
  const rollback = rollbackPath(scope, fns);
  const guard = <T extends sfn.TaskStateBase>(step: T): T => step.addCatch(rollback, { resultPath: '$.work.error' }) as T;
  /** A poll that reported `error`: its error becomes the run's, then rollback. */
  const failed = (id: string, key: (typeof POLLS)[number]) => new sfn.Pass(scope, id, {
    parameters: { 'Error.$': `${poll(key)}.error.Error`, 'Cause.$': `${poll(key)}.error.Cause` }, resultPath: '$.work.error',
  }).next(rollback);

  const verifyTask = (id: string) => lambdaTask(scope, id, fns.verify, { payload: { 'plan.$': '$.plan' }, resultPath: '$.work.verification' });
  // Alarm only: nothing to undo, a verify failure is the run's (VerificationFailedError).
  const verify = verifyTask(States.verify).next(report);
  // After a resize: a verify failure puts the original type back like any other failure after the stop.
  const verifyResize = guard(verifyTask(States.verifyResize)).next(report);
  const statusChecks = pollLoop(scope, { check: States.checkStatusChecks, route: States.routeStatusChecks, wait: States.waitStatusChecks },
    fns['check-status-checks'], { ...instanceId, 'poll.$': poll('statusChecks') }, poll('statusChecks'), failed(States.statusChecksFailed, 'statusChecks'));
  guard(statusChecks.check);
  statusChecks.route.otherwise(verifyResize);
  const started = pollLoop(scope, { check: States.checkInstanceStarted, route: States.routeInstanceStarted, wait: States.waitInstanceStarted },
    fns['check-instance-state'], { ...instanceId, desired: 'running', 'poll.$': poll('started') }, poll('started'), failed(States.startFailed, 'started'));
  guard(started.check);
  started.route.otherwise(statusChecks.check);
  // No capacity Retry here: the target type lacking capacity is the case for putting the original type back.
  const start = guard(lambdaTask(scope, States.startInstance, fns['start-instance'], { payload: instanceId, resultPath: '$.work.start' })).next(started.check);

  const modify = guard(lambdaTask(scope, States.modifyInstanceType, fns['modify-instance-type'], {
    payload: { ...instanceId, 'from.$': '$.plan.resize.from', 'to.$': '$.plan.resize.to' }, resultPath: '$.work.resize',
  })).next(new sfn.Choice(scope, States.routeAfterModify)
    .when(sfn.Condition.booleanEquals('$.plan.resize.wasRunning', true), start)
    .otherwise(verifyResize));
  const stopped = pollLoop(scope, { check: States.checkInstanceStopped, route: States.routeInstanceStopped, wait: States.waitInstanceStopped },
    fns['check-instance-state'], { ...instanceId, desired: 'stopped', 'poll.$': poll('stopped') }, poll('stopped'), failed(States.stopFailed, 'stopped'));
  guard(stopped.check);
  stopped.route.otherwise(modify);
  const stop = guard(lambdaTask(scope, States.stopInstance, fns['stop-instance'], { payload: instanceId, resultPath: '$.work.stop' })).next(stopped.check);

  const resize = new sfn.Choice(scope, States.routeByResize)
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.plan.resize'), sfn.Condition.stringEquals('$.plan.resize.change', 'resize')),
      new sfn.Choice(scope, States.routeByInstanceState).when(sfn.Condition.booleanEquals('$.plan.resize.wasRunning', true), stop).otherwise(modify))
    .otherwise(verify);
  const putAlarm = lambdaTask(scope, States.putAlarm, fns['put-alarm'], {
    payload: { ...instanceId, 'alarm.$': '$.plan.alarm', 'executionName.$': '$.execution.name' }, resultPath: '$.work.alarm',
  }).next(resize);
  return new sfn.Choice(scope, States.routeByAlarm)
    .when(sfn.Condition.stringEquals('$.plan.alarm.change', 'none'), resize)
    .otherwise(putAlarm);
}

/**
 * After any failure of the resize, its verify included: put the original type back and the instance in its prior
 * state (RollbackResize polls until it is), then fail RemediationRolledBack with the report. A rollback that fails:
 * RollbackFailedError naming what is left and what to do.
 */
function rollbackPath(scope: Construct, fns: Record<HighCpuTask, IFunction>): sfn.IChainable {
  const rolledBack = lambdaTask(scope, States.buildRollbackReport, fns['build-report'], {
    payload: { ...REPORT_PAYLOAD, 'rollback.$': poll('rollback') }, resultPath: '$.work.report',
  }).next(new sfn.Pass(scope, States.describeRolledBack, { parameters: { 'cause.$': 'States.JsonToString($.work.report)' }, resultPath: '$.work.rolledBack' }))
    .next(new sfn.Fail(scope, States.rolledBack, { error: ErrorNames.remediationRolledBack, causePath: '$.work.rolledBack.cause' }));
  const rollbackFailed = new sfn.Pass(scope, States.describeRollbackFailed, {
    parameters: {
      'cause.$': "States.Format('the resize of {} failed ({}: {}) and putting it back failed too ({}: {}). What to do: make sure the instance is type {} and as it was before (running: {}); if not, stop it, set its type to {} and start it. The CPU alarm is kept.', $.plan.instanceId, $.work.error.Error, $.work.error.Cause, $.work.rollbackError.Error, $.work.rollbackError.Cause, $.plan.resize.from, $.plan.resize.wasRunning, $.plan.resize.from)",
    },
    resultPath: '$.work.rollbackFailed',
  }).next(new sfn.Fail(scope, States.rollbackFailed, { error: ErrorNames.rollbackFailed, causePath: '$.work.rollbackFailed.cause' }));
  const loop = pollLoop(scope, { check: States.rollbackResize, route: States.routeRollbackResize, wait: States.waitRollbackResize },
    fns['rollback-resize'], { 'instanceId.$': '$.plan.instanceId', 'from.$': '$.plan.resize.from', 'wasRunning.$': '$.plan.resize.wasRunning', 'poll.$': poll('rollback') },
    poll('rollback'), rollbackFailed);
  loop.check.addCatch(rollbackFailed, { resultPath: '$.work.rollbackError' });
  loop.route.otherwise(rolledBack);
  return loop.check;
}
