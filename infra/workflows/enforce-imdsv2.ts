import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildImdsDefinition, type ImdsTask } from '../../workflows/enforce-imdsv2';
import { denyOnExcluded, ec2Describe, ec2OnLocked, type Ec2ResourceType } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { NO_RESOURCE_LEVEL, actionsOf, onAnyResource } from '../nag';

export interface ImdsProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
}
export interface ImdsResources {
  approvalTopic: sns.ITopic;
}

const INSTANCE: Ec2ResourceType[] = ['instance'];
/** Only on instances that carry the lock tag (LockResources tags each planned one), never on an excluded one. */
const modifyOptions: Grant[] = [ec2OnLocked(['ModifyInstanceMetadataOptions'], INSTANCE), denyOnExcluded(['ModifyInstanceMetadataOptions'], INSTANCE)];
/** The region's instance metadata defaults have no resource type: Resource '*'. */
const defaults = (...actions: string[]): Grant => ec2Describe(...actions);
/** CloudWatch GetMetricData has no resource-level permissions: Resource '*'. */
const metricData: Grant = () => [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })];
export const IMDS_NO_RESOURCE_TYPE = /^(ec2:(Get|Modify)InstanceMetadataDefaults|cloudwatch:GetMetricData)$/;

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const IMDS_TASK_SPECS: Record<ImdsTask, TaskSpec<ImdsResources>> = {
  'validate-imds-input': { entry: 'tasks/imds/validate-imds-input.ts', grants: [] },
  'plan-imds': { entry: 'tasks/imds/plan-imds.ts', grants: [ec2Describe('DescribeInstances'), defaults('GetInstanceMetadataDefaults'), metricData] },
  'enforce-imdsv2': { entry: 'tasks/imds/enforce-imdsv2.ts', grants: [ec2Describe('DescribeInstances'), ...modifyOptions] },
  'set-metadata-defaults': { entry: 'tasks/imds/set-metadata-defaults.ts', grants: [defaults('GetInstanceMetadataDefaults', 'ModifyInstanceMetadataDefaults')] },
  'check-metadata-options': { entry: 'tasks/imds/check-metadata-options.ts', grants: [ec2Describe('DescribeInstances'), defaults('GetInstanceMetadataDefaults')] },
  'restore-metadata-options': {
    entry: 'tasks/imds/restore-metadata-options.ts', grants: [ec2Describe('DescribeInstances'), ...modifyOptions, defaults('ModifyInstanceMetadataDefaults')],
  },
  'build-imds-report': { entry: 'tasks/imds/build-imds-report.ts', grants: [] },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

const resourcesOf = (scope: Construct, props: ImdsProps): ImdsResources => ({
  approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
});

/** enforce-imdsv2: IMDSv2 required on instances that allow IMDSv1 (recent v1 use left out unless allowed), verified, put back on failure. */
export const enforceImdsv2Spec = defineWorkflow<ImdsTask, ImdsResources, ImdsProps>({
  name: WORKFLOW.enforceImdsv2,
  comment: COMMENT,
  // Approval can take a day; every other step takes seconds, the verify budget a few minutes.
  timeout: Duration.hours(26),
  tasks: IMDS_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, _resources, kit) => buildImdsDefinition(scope, fns, kit),
  // One instance: its id (shared with the other instance workflows); several: <account>/<region>/enforce-imdsv2. Each instance changed is tagged.
  lock: { targetPath: '$.lockTarget', resourcesPath: '$.plan.toEnforce', untagResources: true },
  approval: true,
  acceptedFindings: [{
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'EC2 Get/ModifyInstanceMetadataDefaults (a region setting) and CloudWatch GetMetricData have no resource type; ' +
      'each function holds only the ones its handler calls.',
    // CDK merges the runtime's X-Ray grant and Describe* into the same '*' statement.
    statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => IMDS_NO_RESOURCE_TYPE.test(a) || NO_RESOURCE_LEVEL.test(a)),
  }],
});
