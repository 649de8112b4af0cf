import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX, ALARM_TOPIC_ENV } from '../../tasks/high-cpu/lib/alarm';
import { RESIZE_TAG } from '../../tasks/high-cpu/lib/resize-checks';
import { COOLDOWN_ENV, DEFAULT_COOLDOWN_HOURS } from '../../tasks/high-cpu/lib/schema';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildHighCpuDefinition, type HighCpuTask } from '../../workflows/high-cpu';
import { INSTANCE_ATTRIBUTES_DENIED, denyOnExcluded, ec2Arn, ec2Describe, ec2OnLocked, ec2TagKeysOnly, kmsVia } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { NO_RESOURCE_LEVEL, REGION, actionsOf, list, type AcceptedFinding } from '../nag';

export interface HighCpuProps {
  /** The stack's notifications topic (infra/constructs/audit-trail.ts), which the alarms notify. */
  alarmTopicArn: string;
  /** Where approval requests go (a resize asks by default); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
  /** No second resize of one instance within this many hours (CDK context highCpu.cooldownHours; default 24). */
  cooldownHours?: number;
}

export interface HighCpuResources {
  alarmTopicArn: string;
  approvalTopic: sns.ITopic;
  cooldownHours: number;
}

/** The alarms this workflow owns, by name prefix: the only ones its roles may read or write. */
export const alarmArnPattern = (scope: Construct): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${ALARM_NAME_PREFIX}*`;
};
const alarms = (...actions: string[]): Grant => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `cloudwatch:${a}`), resources: [alarmArnPattern(scope)] }),
];

/** The one instance attribute the resize changes: every other one ModifyInstanceAttribute could change is denied by name. */
const onlyInstanceType: Grant = ({ scope }) => INSTANCE_ATTRIBUTES_DENIED.filter((a) => a !== 'InstanceType').map((attribute) => new iam.PolicyStatement({
  effect: iam.Effect.DENY, actions: ['ec2:ModifyInstanceAttribute'], resources: [ec2Arn(scope, 'instance')],
  conditions: { Null: { [`ec2:Attribute/${attribute}`]: 'false' } },
}));
/** Stop, start and type changes only on the instance the run holds (lock tag), never on an excluded one. */
const onLockedInstance = (...actions: string[]): Grant[] => [ec2OnLocked(actions, ['instance']), denyOnExcluded(actions, ['instance'])];
/** Starting an instance with encrypted volumes uses their key on the caller's behalf. */
const KMS_TO_START = ['CreateGrant', 'Decrypt', 'DescribeKey'];

type Tasks = Record<HighCpuTask, TaskSpec<HighCpuResources>>;

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const HIGH_CPU_TASK_SPECS: Tasks = {
  'validate-input': { entry: 'tasks/high-cpu/validate-input.ts', grants: [] },
  preflight: {
    entry: 'tasks/high-cpu/preflight.ts',
    environment: ({ resources }) => ({ [ALARM_TOPIC_ENV]: resources.alarmTopicArn, [COOLDOWN_ENV]: String(resources.cooldownHours) }),
    grants: [
      ec2Describe('DescribeInstances', 'DescribeInstanceAttribute', 'DescribeInstanceTypes', 'DescribeInstanceTypeOfferings', 'DescribeImages'),
      // Auto Scaling's Describe* support no resource-level permissions.
      () => [new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] })],
      alarms('DescribeAlarms'),
    ],
  },
  // PutMetricAlarm with Tags also needs cloudwatch:TagResource (a new alarm is tagged with the workflow and execution).
  'put-alarm': { entry: 'tasks/high-cpu/put-alarm.ts', grants: [alarms('DescribeAlarms', 'PutMetricAlarm', 'TagResource')] },
  'stop-instance': { entry: 'tasks/instance/stop-instance.ts', grants: onLockedInstance('StopInstances') },
  'check-instance-state': { entry: 'tasks/instance/check-instance-state.ts', grants: [ec2Describe('DescribeInstances')] },
  'check-instance-settled': { entry: 'tasks/instance/check-instance-settled.ts', grants: [ec2Describe('DescribeInstances')] },
  'modify-instance-type': {
    entry: 'tasks/high-cpu/modify-instance-type.ts',
    grants: [
      ec2Describe('DescribeInstances'), ...onLockedInstance('ModifyInstanceAttribute'), onlyInstanceType,
      ec2TagKeysOnly('CreateTags', ['instance'], [RESIZE_TAG.at, RESIZE_TAG.from], { locked: true }), denyOnExcluded(['CreateTags'], ['instance']),
    ],
  },
  'start-instance': {
    entry: 'tasks/instance/start-instance.ts',
    grants: [ec2Describe('DescribeInstances'), ...onLockedInstance('StartInstances'), kmsVia('ec2', KMS_TO_START)],
  },
  'check-status-checks': { entry: 'tasks/high-cpu/check-status-checks.ts', grants: [ec2Describe('DescribeInstanceStatus')] },
  verify: { entry: 'tasks/high-cpu/verify-high-cpu.ts', grants: [ec2Describe('DescribeInstances'), alarms('DescribeAlarms')] },
  'build-report': { entry: 'tasks/high-cpu/build-report.ts', grants: [] },
  'rollback-resize': {
    entry: 'tasks/high-cpu/rollback-resize.ts',
    grants: [
      ec2Describe('DescribeInstances'), ...onLockedInstance('StopInstances', 'StartInstances', 'ModifyInstanceAttribute'), onlyInstanceType,
      kmsVia('ec2', KMS_TO_START),
    ],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

/** The alarms of high-cpu's name prefix (one per instance, named at run time), for `actions` only. */
export function alarmPrefixFinding(reason: string, actions: string[]): AcceptedFinding {
  return {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):cloudwatch:${REGION}:(<AWS::AccountId>|\\d{12}):alarm:${ALARM_NAME_PREFIX}\\*\\]$`),
    reason,
    statement: (s) => actionsOf(s).every((a) => actions.includes(a)),
  };
}

export const HIGH_CPU_ACCEPTED_FINDINGS: AcceptedFinding[] = [
  {
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'autoscaling:DescribeAutoScalingInstances (like EC2 Describe*, with which CDK merges it) supports no resource-level permissions: '
      + 'the preflight asks whether the instance is a group member.',
    statement: (s) => !list(s.Resource).includes('*') || actionsOf(s).every((a) => a === 'autoscaling:DescribeAutoScalingInstances' || NO_RESOURCE_LEVEL.test(a)),
  },
  alarmPrefixFinding(
    `high-cpu names each alarm ${ALARM_NAME_PREFIX}<instanceId> from the input at run time; its roles read and write only alarms of that prefix.`,
    ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'],
  ),
];

/** high-cpu: the CPU alarm, and an approved, checked resize with rollback, one instance at a time. */
export const highCpuSpec = defineWorkflow<HighCpuTask, HighCpuResources, HighCpuProps>({
  name: WORKFLOW.highCpu,
  comment: COMMENT,
  // The approval (24 h) and every poll budget together, with room.
  timeout: Duration.days(2),
  tasks: HIGH_CPU_TASK_SPECS,
  resources: (scope, props) => ({
    alarmTopicArn: props.alarmTopicArn,
    approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
    cooldownHours: props.cooldownHours ?? DEFAULT_COOLDOWN_HOURS,
  }),
  definition: (scope, fns, _resources, kit) => buildHighCpuDefinition(scope, fns, kit),
  // One remediation per instance at a time, whichever workflow it is: the instance carries the lock tag.
  lock: { targetPath: '$.request.instanceId' },
  approval: true,
  acceptedFindings: HIGH_CPU_ACCEPTED_FINDINGS,
});
