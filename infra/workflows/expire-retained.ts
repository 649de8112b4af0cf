import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { SCHEDULED_INPUT } from '../../tasks/expire/lib/schema';
import { STATE_MACHINE_PREFIX } from '../../tasks/lib/names';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildExpireRetainedDefinition, type ExpireRetainedTask } from '../../workflows/expire-retained';
import { EXCLUDED, ec2Arn, ec2Describe, type Ec2ResourceType } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';

/** Once a day, 03:00 UTC: after the day's remediations, before people start theirs in most time zones. */
export const EXPIRY_SCHEDULE = 'cron(0 3 * * ? *)';

/** `remediation:hold` = true, in any letter case: an operator keeps it, whatever its retain-until says. */
const HELD = { StringEqualsIgnoreCase: { [`aws:ResourceTag/${TAG.hold}`]: 'true' } };

/**
 * Deleting only what a remediation retained: resources carrying `remediation:workflow` (ours) and `remediation:retain-until`;
 * an explicit Deny where an operator put a hold or an exclusion, while another remediation holds the lock tag, and (snapshots)
 * on a forensic snapshot of a case that is not closed.
 */
const deleteRetained = (action: 'DeleteVolume' | 'DeleteSnapshot', type: Ec2ResourceType): Grant => ({ scope }) => {
  const resources = [ec2Arn(scope, type)];
  const actions = [`ec2:${action}`];
  return [
    new iam.PolicyStatement({
      actions, resources, conditions: { Null: { [`aws:ResourceTag/${TAG.workflow}`]: 'false', [`aws:ResourceTag/${TAG.retainUntil}`]: 'false' } },
    }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources, conditions: HELD }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources, conditions: EXCLUDED }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources, conditions: { Null: { [`aws:ResourceTag/${TAG.lock}`]: 'false' } } }),
    ...(type === 'snapshot' ? [OPEN_CASE_DENY(actions, resources)] : []),
  ];
};

/** A forensic snapshot (`remediation:case`) whose case close-case has not closed (no `remediation:case-closed`): never deleted. */
const OPEN_CASE_DENY = (actions: string[], resources: string[]): iam.PolicyStatement => new iam.PolicyStatement({
  effect: iam.Effect.DENY, actions, resources,
  conditions: { Null: { [`aws:ResourceTag/${TAG.case}`]: 'false', [`aws:ResourceTag/${TAG.caseClosed}`]: 'true' } },
});

const READS = ec2Describe('DescribeVolumes', 'DescribeSnapshots');

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const EXPIRE_RETAINED_TASK_SPECS: Record<ExpireRetainedTask, TaskSpec<Record<string, never>>> = {
  'validate-input': { entry: 'tasks/expire/validate-input.ts', grants: [] },
  'plan-expiry': { entry: 'tasks/expire/plan-expiry.ts', grants: [READS] },
  'delete-expired': { entry: 'tasks/expire/delete-expired.ts', grants: [READS, deleteRetained('DeleteVolume', 'volume'), deleteRetained('DeleteSnapshot', 'snapshot')] },
  'verify-expired': { entry: 'tasks/expire/verify-expired.ts', grants: [READS] },
  'build-expiry-report': { entry: 'tasks/expire/build-expiry-report.ts', grants: [] },
};

/** Named like the state machines (remediation-<workflow>), so the role's trust can name this one schedule. */
export const SCHEDULE_NAME = `${STATE_MACHINE_PREFIX}${WORKFLOW.expireRetained}-daily`;

/**
 * The daily run: an EventBridge Scheduler schedule the stack owns, with a role of its own (the target's default role is
 * one per stack, shared by every schedule target): assumed only by the scheduler for this schedule, and able only to
 * start this state machine.
 */
function scheduleDaily(scope: Construct, stateMachine: sfn.IStateMachine): void {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'ScheduleRole', {
    description: 'expire-retained daily schedule: starts the expire-retained state machine, nothing else',
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${SCHEDULE_NAME}` }),
        },
      },
    }),
  });
  new scheduler.Schedule(scope, 'Daily', {
    scheduleName: SCHEDULE_NAME,
    description: 'expire-retained: deletes what remediations retained once remediation:retain-until has passed, after safety checks',
    schedule: scheduler.ScheduleExpression.expression(EXPIRY_SCHEDULE),
    target: new targets.StepFunctionsStartExecution(stateMachine, {
      role,
      input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_INPUT),
      // A missed day is taken by the next: no need to retry for long.
      retryAttempts: 3,
      maxEventAge: Duration.hours(6),
    }),
  });
}

/** expire-retained: deletes retained volumes and snapshots whose retain-until has passed, after the safety checks. */
export const expireRetainedSpec = defineWorkflow<ExpireRetainedTask>({
  name: WORKFLOW.expireRetained,
  comment: COMMENT,
  timeout: Duration.hours(1),
  tasks: EXPIRE_RETAINED_TASK_SPECS,
  definition: (scope, fns, _resources, kit) => buildExpireRetainedDefinition(scope, fns, kit),
  // Account-level: one expiry run in the account and region at a time (<account>/<region>/expire-retained).
  lock: {},
  attach: (scope, stateMachine) => scheduleDaily(scope, stateMachine),
});
