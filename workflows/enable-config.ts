import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { ErrorNames } from '../tasks/lib/errors';
import { remediationSkeleton, SkeletonStates, type KitSteps } from './lib/skeleton';
import { lambdaTask, pollLoop } from './lib/steps';

export const WORKFLOW_NAME = WORKFLOW.enableConfig;

/** One Lambda per task. */
export const ENABLE_CONFIG_TASKS = [
  'validate-input', 'preflight', 'ensure-service-linked-role', 'put-recorder', 'put-delivery-channel', 'start-recorder',
  'check-recording', 'build-report',
] as const;
export type EnableConfigTask = (typeof ENABLE_CONFIG_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  ensureServiceLinkedRole: 'EnsureServiceLinkedRole',
  putConfigurationRecorder: 'PutConfigurationRecorder',
  putDeliveryChannel: 'PutDeliveryChannel',
  startConfigurationRecorder: 'StartConfigurationRecorder',
  checkRecording: 'CheckRecording', routeRecording: 'RouteRecording', waitRecording: 'WaitRecording',
  verificationFailed: 'VerificationFailed',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
} as const;

export const COMMENT = [
  'Turns on AWS Config in this region: service-linked role, one recorder (all supported types; global types in the home region),',
  'a delivery channel to the stack-owned bucket, start, then verifies it records. Start it from the console with {} or',
  '{"mode": "plan"} (schema: docs/schemas/enable-config.json); existing differing settings are changed only with "overwrite": true.',
].join(' ');

const RECORDING_POLL = '$.work.polls.recording';

export function buildEnableConfigDefinition(scope: Construct, fns: Record<EnableConfigTask, IFunction>, kit: KitSteps = {}): sfn.IChainable {
  return remediationSkeleton(scope, {
    workflow: WORKFLOW_NAME,
    ...(kit.lock ? { lock: kit.lock } : {}),
    validateInput: fns['validate-input'], preflight: fns.preflight, buildReport: fns['build-report'],
    preflightPayload: { 'request.$': '$.request', 'region.$': '$.region' },
    work: { polls: { recording: {} } },
    apply: (report) => {
      // Verify: wait until Config reports recording; FAILURE or settings that did not stick end the run.
      const verificationFailed = new sfn.Fail(scope, States.verificationFailed, {
        error: ErrorNames.verificationFailed, causePath: `${RECORDING_POLL}.error.Cause`,
      });
      const recording = pollLoop(scope, { check: States.checkRecording, route: States.routeRecording, wait: States.waitRecording },
        fns['check-recording'], { 'desired.$': '$.plan.desired', 'startedAt.$': '$.work.start.startedAt', 'poll.$': RECORDING_POLL },
        RECORDING_POLL, verificationFailed);
      recording.route.otherwise(report);
      const ensureRole = lambdaTask(scope, States.ensureServiceLinkedRole, fns['ensure-service-linked-role'], { payload: {}, resultPath: '$.work.role' });
      ensureRole
        .next(lambdaTask(scope, States.putConfigurationRecorder, fns['put-recorder'], {
          payload: { 'recorder.$': '$.plan.desired.recorder', 'roleArn.$': '$.work.role.roleArn' }, resultPath: '$.work.recorder',
        }))
        // Config accepts a delivery channel only once the region has a recorder, and starts a recorder only once it has a channel.
        .next(lambdaTask(scope, States.putDeliveryChannel, fns['put-delivery-channel'], {
          payload: { 'channel.$': '$.plan.desired.channel' }, resultPath: '$.work.channel',
        }))
        .next(lambdaTask(scope, States.startConfigurationRecorder, fns['start-recorder'], {
          payload: { 'name.$': '$.plan.desired.recorder.name' }, resultPath: '$.work.start',
        }))
        .next(recording.check);
      return { otherwise: ensureRole };
    },
  });
}
