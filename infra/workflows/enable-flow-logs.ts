import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DESTINATION_ENV } from '../../tasks/network/lib/destination';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildEnableFlowLogsDefinition, type EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { stackOwnedBucket } from '../kit/buckets';
import { ec2Arn, ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { REGION, actionsOf, hasCondition, list } from '../nag';

/** The log group flow logs deliver to; a fixed name so the key policy can name it without a circular reference. */
export const FLOW_LOGS_LOG_GROUP_NAME = '/remediation/vpc-flow-logs';
const LOG_DELIVERY = 'delivery.logs.amazonaws.com';

export interface FlowLogsResources {
  bucket: s3.Bucket;
  accessLogs: s3.Bucket;
  key: kms.Key;
  logGroup: logs.LogGroup;
  deliveryRole: iam.Role;
}

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const ENABLE_FLOW_LOGS_TASK_SPECS: Record<EnableFlowLogsTask, TaskSpec<FlowLogsResources>> = {
  'validate-flow-logs-input': { entry: 'tasks/network/validate-flow-logs-input.ts', grants: [] },
  'plan-flow-logs': { entry: 'tasks/network/plan-flow-logs.ts', grants: [ec2Describe('DescribeVpcs', 'DescribeFlowLogs')] },
  'create-flow-log': {
    entry: 'tasks/network/create-flow-log.ts',
    environment: ({ resources }) => ({
      [DESTINATION_ENV.bucketArn]: resources.bucket.bucketArn,
      [DESTINATION_ENV.logGroupArn]: resources.logGroup.logGroupArn,
      [DESTINATION_ENV.deliveryRoleArn]: resources.deliveryRole.roleArn,
    }),
    grants: [
      ec2Describe('DescribeFlowLogs'),
      ({ scope, resources }) => [
        new iam.PolicyStatement({ actions: ['ec2:CreateFlowLogs'], resources: [ec2Arn(scope, 'vpc'), ec2Arn(scope, 'vpc-flow-log')] }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'vpc-flow-log')],
          conditions: { StringEquals: { 'ec2:CreateAction': 'CreateFlowLogs' } },
        }),
        // Only the stack's delivery role, and only to the flow-logs service.
        new iam.PolicyStatement({
          actions: ['iam:PassRole'], resources: [resources.deliveryRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
        }),
        // Flow logs to S3: EC2 sets up the log delivery on the caller's behalf (these support no resource ARN).
        new iam.PolicyStatement({ actions: ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery'], resources: ['*'] }),
      ],
    ],
  },
  'check-flow-logs': { entry: 'tasks/network/check-flow-logs.ts', grants: [ec2Describe('DescribeFlowLogs')] },
  'remove-created-flow-logs': {
    entry: 'tasks/network/remove-created-flow-logs.ts',
    grants: [
      ec2Describe('DescribeFlowLogs'),
      // Only flow logs this workflow created: never one that was there before.
      ({ scope }) => [new iam.PolicyStatement({
        actions: ['ec2:DeleteFlowLogs'], resources: [ec2Arn(scope, 'vpc-flow-log')],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.enableFlowLogs } },
      }), new iam.PolicyStatement({ actions: ['logs:DeleteLogDelivery'], resources: ['*'] })],
    ],
  },
  'build-flow-logs-report': { entry: 'tasks/network/build-flow-logs-report.ts', grants: [] },
};

/** The destinations the workflow owns: an S3 bucket and a KMS-encrypted log group with its delivery role. */
function flowLogsDestinations(scope: Construct): FlowLogsResources {
  const stack = Stack.of(scope);
  const { bucket, accessLogs } = stackOwnedBucket(scope, {
    id: 'FlowLogsBucket',
    accessLogPrefix: 'flow-logs-bucket/',
    lifecycleRules: [{
      id: 'age-out-flow-logs',
      transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }],
      expiration: Duration.days(365),
    }],
    accessLogs: { lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }] },
  });
  const fromOurLogDeliveries = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*` },
  };
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSLogDeliveryWrite',
    principals: [new iam.ServicePrincipal(LOG_DELIVERY)],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
    conditions: { ...fromOurLogDeliveries, StringEquals: { ...fromOurLogDeliveries.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSLogDeliveryAclCheck',
    principals: [new iam.ServicePrincipal(LOG_DELIVERY)],
    actions: ['s3:GetBucketAcl', 's3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: fromOurLogDeliveries,
  }));

  const key = new kms.Key(scope, 'LogsKey', {
    description: `Encrypts ${FLOW_LOGS_LOG_GROUP_NAME}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs encrypts the group's events with the key; only for this log group.
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchLogsUseForFlowLogsGroup',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${FLOW_LOGS_LOG_GROUP_NAME}` } },
  }));
  const logGroup = new logs.LogGroup(scope, 'FlowLogsGroup', {
    logGroupName: FLOW_LOGS_LOG_GROUP_NAME, encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
  });
  logGroup.node.addDependency(key);
  const deliveryRole = new iam.Role(scope, 'DeliveryRole', {
    description: 'VPC flow logs deliver to the remediation flow-logs log group',
    assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': ec2Arn(scope, 'vpc-flow-log') } },
    }),
  });
  deliveryRole.addToPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    // The group's Arn attribute ends in ":*", which covers its log streams.
    resources: [logGroup.logGroupArn],
  }));
  deliveryRole.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
  return { bucket, accessLogs, key, logGroup, deliveryRole };
}

/** enable-flow-logs: VPC flow logs to the stack's bucket or log group, verified delivering. */
export const enableFlowLogsSpec = defineWorkflow<EnableFlowLogsTask, FlowLogsResources>({
  name: WORKFLOW.enableFlowLogs,
  comment: COMMENT,
  // Longer than the verify loop's poll budget (30 polls of at most a minute) plus every retry.
  timeout: Duration.hours(2),
  tasks: ENABLE_FLOW_LOGS_TASK_SPECS,
  resources: flowLogsDestinations,
  definition: (scope, fns, _resources, kit) => buildEnableFlowLogsDefinition(scope, fns, kit),
  lock: {},
  acceptedFindings: [{
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12}):(vpc|vpc-flow-log)/\\*\\]$`),
    reason: 'enable-flow-logs: VPC ids are input and flow log ids are created at run time; grants are limited to this ' +
      'account and region, tagging to ec2:CreateAction=CreateFlowLogs and deletion to the remediation:workflow tag.',
    // On those ARNs only creating flow logs, tagging them on create, and deleting our own.
    // A resource built with Fn::Join (pseudo parameters) is checked by its JSON text.
    statement: (s) => !list(s.Resource).some((r) => /:(vpc|vpc-flow-log)\/\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
      actionsOf(s).every((a) => a === 'ec2:CreateFlowLogs' || (a === 'ec2:CreateTags' && hasCondition(s, 'ec2:CreateAction')) ||
        (a === 'ec2:DeleteFlowLogs' && hasCondition(s, `aws:ResourceTag/${TAG.workflow}`))),
  }],
});
