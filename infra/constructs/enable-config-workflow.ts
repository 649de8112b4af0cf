import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { COMMENT, ENABLE_CONFIG_TASKS, WORKFLOW_NAME, buildEnableConfigDefinition, type EnableConfigTask } from '../../workflows/enable-config';
import { RemediationStateMachine } from './remediation-state-machine';
import { TaskFunction } from './task-function';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
type Grant = (scope: Construct) => iam.PolicyStatement[];

/** Config's recorder and delivery-channel APIs: the region holds one of each, addressed by name, not by a resource ARN we can know beforehand. */
const config = (...actions: string[]): Grant => () => [
  new iam.PolicyStatement({ actions: actions.map((a) => `config:${a}`), resources: ['*'] }),
];
export const serviceLinkedRoleArn = (scope: Construct): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;
};
const READ_STATE = ['DescribeConfigurationRecorders', 'DescribeConfigurationRecorderStatus', 'DescribeDeliveryChannels', 'DescribeDeliveryChannelStatus'];
/** Tasks whose handlers read the bucket name (and deliver only to it). */
const NEEDS_BUCKET: EnableConfigTask[] = ['preflight', 'put-delivery-channel'];
/** Tasks granted Resource '*' (Config's APIs support no resource-level permissions). */
const CONFIG_TASKS: EnableConfigTask[] = ['preflight', 'put-recorder', 'put-delivery-channel', 'start-recorder', 'check-recording'];

export const TASK_GRANTS: Record<EnableConfigTask, { entry: string; grants: Grant[]; timeout?: Duration }> = {
  'validate-input': { entry: 'tasks/config/validate-input.ts', grants: [] },
  preflight: { entry: 'tasks/config/preflight.ts', grants: [config(...READ_STATE)] },
  'ensure-service-linked-role': {
    entry: 'tasks/config/ensure-service-linked-role.ts',
    grants: [(scope) => [
      new iam.PolicyStatement({ actions: ['iam:GetRole'], resources: [serviceLinkedRoleArn(scope)] }),
      // Only Config's own service-linked role, never one for another service.
      new iam.PolicyStatement({
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [serviceLinkedRoleArn(scope)],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'config.amazonaws.com' } },
      }),
    ]],
  },
  'put-recorder': {
    entry: 'tasks/config/put-recorder.ts',
    grants: [
      config('PutConfigurationRecorder'),
      // PutConfigurationRecorder passes the recorder's role to Config.
      (scope) => [new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [serviceLinkedRoleArn(scope)],
        conditions: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } },
      })],
    ],
  },
  'put-delivery-channel': { entry: 'tasks/config/put-delivery-channel.ts', grants: [config('PutDeliveryChannel')] },
  'start-recorder': { entry: 'tasks/config/start-recorder.ts', grants: [config('StartConfigurationRecorder')] },
  'check-recording': { entry: 'tasks/config/check-recording.ts', grants: [config(...READ_STATE)] },
  'build-report': { entry: 'tasks/config/build-report.ts', grants: [] },
};

const ACCESS_LOG_PREFIX = 'config-bucket/';

/** The bucket Config delivers to: encrypted, private, TLS-only, aged out, writable by Config for this account only. */
function configBucket(scope: Construct): s3.Bucket {
  const stack = Stack.of(scope);
  const common = {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    // The configuration history and who read it are audit data: they outlive the stack.
    removalPolicy: RemovalPolicy.RETAIN,
  };
  // Server access logs go to a bucket of their own, so the delivery bucket's policy stays exactly what Config requires.
  // S3 log delivery is granted by bucket policy (not the legacy LogDeliveryWrite ACL), so ACLs stay disabled on both.
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    ...common,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
  });
  const bucket = new s3.Bucket(scope, 'Bucket', {
    ...common,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [{
      id: 'age-out-config-history',
      transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
      expiration: Duration.days(2555),
      noncurrentVersionExpiration: Duration.days(30),
    }],
  });
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: ACCESS_LOG_PREFIX };
  accessLogs.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'S3ServerAccessLogsPolicy',
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [accessLogs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
    conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  const config = new iam.ServicePrincipal('config.amazonaws.com');
  const sourceAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketPermissionsCheck', principals: [config], actions: ['s3:GetBucketAcl'], resources: [bucket.bucketArn], conditions: sourceAccount,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketExistenceCheck', principals: [config], actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: sourceAccount,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketDelivery',
    principals: [config],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/Config/*`)],
    conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': stack.account } },
  }));
  return bucket;
}

/** The whole enable-config workflow: the delivery bucket, task functions, their permissions, its state machine. */
export class EnableConfigWorkflow extends Construct {
  readonly machine: RemediationStateMachine;
  readonly bucket: s3.Bucket;
  readonly functions: Record<EnableConfigTask, TaskFunction>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = configBucket(this);
    const functions = {} as Record<EnableConfigTask, TaskFunction>;
    const fns = {} as Record<EnableConfigTask, IFunction>;
    for (const task of ENABLE_CONFIG_TASKS) {
      const { entry, grants, timeout } = TASK_GRANTS[task];
      const fn = new TaskFunction(this, task, {
        entry,
        statements: grants.flatMap((grant) => grant(this)),
        ...(timeout ? { timeout } : {}),
        ...(NEEDS_BUCKET.includes(task) ? { environment: { CONFIG_BUCKET_NAME: this.bucket.bucketName } } : {}),
      });
      if (CONFIG_TASKS.includes(task)) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'AWS Config recorder and delivery-channel APIs (Describe*, Put*, StartConfigurationRecorder) support no ' +
            'resource-level permissions; each function holds only the Config actions its handler calls.',
        });
      }
      functions[task] = fn;
      fns[task] = fn.fn;
    }
    this.functions = functions;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: WORKFLOW_NAME,
      definition: buildEnableConfigDefinition(this, fns),
      comment: COMMENT,
      // Every step is seconds; the verify budget is at most 12 polls of a minute.
      timeout: Duration.hours(1),
    });
  }
}
