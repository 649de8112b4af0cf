import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DESTINATION_ENV } from '../../tasks/network/lib/destination';
import { WORKFLOW_ENABLE_FLOW_LOGS } from '../../tasks/network/lib/flow-logs';
import { TAG } from '../../tasks/lib/tags';
import { COMMENT, ENABLE_FLOW_LOGS_TASKS, buildEnableFlowLogsDefinition, type EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { RemediationStateMachine } from './remediation-state-machine';
import { TaskFunction } from './task-function';

/** The log group flow logs deliver to; a fixed name so the key policy can name it without a circular reference. */
export const FLOW_LOGS_LOG_GROUP_NAME = '/remediation/vpc-flow-logs';
const LOG_DELIVERY = 'delivery.logs.amazonaws.com';
const ACCESS_LOG_PREFIX = 'flow-logs-bucket/';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
type Grant = (scope: EnableFlowLogsWorkflow) => iam.PolicyStatement[];

const arn = (scope: Construct, type: 'vpc' | 'vpc-flow-log') => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${type}/*`;
};
// EC2 Describe* supports no resource-level permissions.
const describe = (...actions: string[]): Grant => () => [new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: ['*'] })];

export const TASK_GRANTS: Record<EnableFlowLogsTask, { entry: string; grants: Grant[]; destinationEnv?: boolean }> = {
  'validate-flow-logs-input': { entry: 'tasks/network/validate-flow-logs-input.ts', grants: [] },
  'plan-flow-logs': { entry: 'tasks/network/plan-flow-logs.ts', grants: [describe('DescribeVpcs', 'DescribeFlowLogs')] },
  'create-flow-log': {
    entry: 'tasks/network/create-flow-log.ts',
    destinationEnv: true,
    grants: [
      describe('DescribeFlowLogs'),
      (scope) => [
        new iam.PolicyStatement({ actions: ['ec2:CreateFlowLogs'], resources: [arn(scope, 'vpc'), arn(scope, 'vpc-flow-log')] }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags'], resources: [arn(scope, 'vpc-flow-log')],
          conditions: { StringEquals: { 'ec2:CreateAction': 'CreateFlowLogs' } },
        }),
        // Only the stack's delivery role, and only to the flow-logs service.
        new iam.PolicyStatement({
          actions: ['iam:PassRole'], resources: [scope.deliveryRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
        }),
        // Flow logs to S3: EC2 sets up the log delivery on the caller's behalf (these support no resource ARN).
        new iam.PolicyStatement({ actions: ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery'], resources: ['*'] }),
      ],
    ],
  },
  'check-flow-logs': { entry: 'tasks/network/check-flow-logs.ts', grants: [describe('DescribeFlowLogs')] },
  'remove-created-flow-logs': {
    entry: 'tasks/network/remove-created-flow-logs.ts',
    grants: [
      describe('DescribeFlowLogs'),
      // Only flow logs this workflow created: never one that was there before.
      (scope) => [new iam.PolicyStatement({
        actions: ['ec2:DeleteFlowLogs'], resources: [arn(scope, 'vpc-flow-log')],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW_ENABLE_FLOW_LOGS } },
      }), new iam.PolicyStatement({ actions: ['logs:DeleteLogDelivery'], resources: ['*'] })],
    ],
  },
  'build-flow-logs-report': { entry: 'tasks/network/build-flow-logs-report.ts', grants: [] },
};

/** The enable-flow-logs workflow: the destinations it owns, its task functions and their permissions, its state machine. */
export class EnableFlowLogsWorkflow extends Construct {
  readonly machine: RemediationStateMachine;
  readonly functions: Record<EnableFlowLogsTask, TaskFunction>;
  readonly bucket: s3.Bucket;
  readonly logGroup: logs.LogGroup;
  readonly key: kms.Key;
  readonly deliveryRole: iam.Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bucket = this.flowLogsBucket(stack);
    this.key = new kms.Key(this, 'LogsKey', {
      description: `Encrypts ${FLOW_LOGS_LOG_GROUP_NAME}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the group's events with the key; only for this log group.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchLogsUseForFlowLogsGroup',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${FLOW_LOGS_LOG_GROUP_NAME}` } },
    }));
    this.logGroup = new logs.LogGroup(this, 'FlowLogsGroup', {
      logGroupName: FLOW_LOGS_LOG_GROUP_NAME, encryptionKey: this.key, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.node.addDependency(this.key);
    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      description: 'VPC flow logs deliver to the remediation flow-logs log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': arn(this, 'vpc-flow-log') },
        },
      }),
    });
    this.deliveryRole.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      // The group's Arn attribute ends in ":*", which covers its log streams.
      resources: [this.logGroup.logGroupArn],
    }));
    this.deliveryRole.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));

    const functions = {} as Record<EnableFlowLogsTask, TaskFunction>;
    for (const task of ENABLE_FLOW_LOGS_TASKS) {
      const { entry, grants, destinationEnv } = TASK_GRANTS[task];
      functions[task] = new TaskFunction(this, task, {
        entry,
        statements: grants.flatMap((grant) => grant(this)),
        ...(destinationEnv ? { environment: this.destinationEnvironment() } : {}),
      });
    }
    this.functions = functions;
    const fns = {} as Record<EnableFlowLogsTask, IFunction>;
    for (const task of ENABLE_FLOW_LOGS_TASKS) fns[task] = functions[task].fn;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: WORKFLOW_ENABLE_FLOW_LOGS,
      definition: buildEnableFlowLogsDefinition(this, fns),
      comment: COMMENT,
      // Longer than the verify loop's poll budget (30 polls of at most a minute) plus every retry.
      timeout: Duration.hours(2),
    });
  }

  /** The ARNs the create task reads at load (tasks/network/lib/destination.ts). */
  private destinationEnvironment(): Record<string, string> {
    return {
      [DESTINATION_ENV.bucketArn]: this.bucket.bucketArn,
      [DESTINATION_ENV.logGroupArn]: this.logGroup.logGroupArn,
      [DESTINATION_ENV.deliveryRoleArn]: this.deliveryRole.roleArn,
    };
  }

  /** SSE, public access blocked, TLS only, a lifecycle, and the grants the log-delivery service needs. */
  private flowLogsBucket(stack: Stack): s3.Bucket {
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // No ACLs: every grant is in a bucket policy.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    const bucket = new s3.Bucket(this, 'FlowLogsBucket', {
      ...common,
      lifecycleRules: [{
        id: 'age-out-flow-logs',
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }],
        expiration: Duration.days(365),
      }],
    });
    // Server access logging granted by bucket policy (CDK's serverAccessLogsBucket would use the legacy log-delivery ACL here).
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: ACCESS_LOG_PREFIX };
    accessLogs.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsOfFlowLogsBucket',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [accessLogs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
      conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
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
    return bucket;
  }
}
