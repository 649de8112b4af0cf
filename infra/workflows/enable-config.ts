import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildEnableConfigDefinition, type EnableConfigTask } from '../../workflows/enable-config';
import { stackOwnedBucket } from '../kit/buckets';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { NO_RESOURCE_LEVEL, actionsOf, onAnyResource } from '../nag';

export interface ConfigResources {
  bucket: s3.Bucket;
  accessLogs: s3.Bucket;
}

/** Config's recorder and delivery-channel APIs: the region holds one of each, addressed by name, not by a resource ARN we can know beforehand. */
const config = (...actions: string[]): Grant<ConfigResources> => () => [
  new iam.PolicyStatement({ actions: actions.map((a) => `config:${a}`), resources: ['*'] }),
];
export const serviceLinkedRoleArn = (scope: Construct): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;
};
const READ_STATE = ['DescribeConfigurationRecorders', 'DescribeConfigurationRecorderStatus', 'DescribeDeliveryChannels', 'DescribeDeliveryChannelStatus'];
/** The handlers that read the bucket name (and deliver only to it). */
const bucketEnv = ({ resources }: { resources: ConfigResources }) => ({ CONFIG_BUCKET_NAME: resources.bucket.bucketName });

export const ENABLE_CONFIG_TASK_SPECS: Record<EnableConfigTask, TaskSpec<ConfigResources>> = {
  'validate-input': { entry: 'tasks/config/validate-input.ts', grants: [] },
  preflight: { entry: 'tasks/config/preflight.ts', grants: [config(...READ_STATE)], environment: bucketEnv },
  'ensure-service-linked-role': {
    entry: 'tasks/config/ensure-service-linked-role.ts',
    grants: [({ scope }) => [
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
      ({ scope }) => [new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [serviceLinkedRoleArn(scope)],
        conditions: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } },
      })],
    ],
  },
  'put-delivery-channel': { entry: 'tasks/config/put-delivery-channel.ts', grants: [config('PutDeliveryChannel')], environment: bucketEnv },
  'start-recorder': { entry: 'tasks/config/start-recorder.ts', grants: [config('StartConfigurationRecorder')] },
  'check-recording': {
    entry: 'tasks/config/check-recording.ts',
    grants: [
      config(...READ_STATE),
      // Verify asks whether delivery can work: HeadBucket on the stack's bucket (s3:ListBucket, on the bucket, not its objects).
      ({ resources }) => [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [resources.bucket.bucketArn] })],
    ],
  },
  'build-report': { entry: 'tasks/config/build-report.ts', grants: [] },
};

/** The bucket Config delivers to: versioned, aged out, writable by Config for this account only. */
function configBucket(scope: Construct): ConfigResources {
  const stack = Stack.of(scope);
  const owned = stackOwnedBucket(scope, {
    id: 'Bucket',
    accessLogPrefix: 'config-bucket/',
    versioned: true,
    lifecycleRules: [{
      id: 'age-out-config-history',
      transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
      expiration: Duration.days(2555),
      noncurrentVersionExpiration: Duration.days(30),
    }],
    accessLogs: { lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }] },
  });
  const { bucket } = owned;
  const principal = new iam.ServicePrincipal('config.amazonaws.com');
  const sourceAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketPermissionsCheck', principals: [principal], actions: ['s3:GetBucketAcl'], resources: [bucket.bucketArn], conditions: sourceAccount,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketExistenceCheck', principals: [principal], actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: sourceAccount,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSConfigBucketDelivery',
    principals: [principal],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/Config/*`)],
    conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': stack.account } },
  }));
  return owned;
}

/** enable-config: recorder, delivery channel to the stack's bucket, recording, verified. */
export const enableConfigSpec = defineWorkflow<EnableConfigTask, ConfigResources>({
  name: WORKFLOW.enableConfig,
  comment: COMMENT,
  // Every step is seconds; the verify budget is at most 12 polls of a minute.
  timeout: Duration.hours(1),
  tasks: ENABLE_CONFIG_TASK_SPECS,
  resources: configBucket,
  definition: (scope, fns, _resources, kit) => buildEnableConfigDefinition(scope, fns, kit),
  lock: {},
  acceptedFindings: [{
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'AWS Config recorder and delivery-channel APIs (Describe*, Put*, StartConfigurationRecorder) support no ' +
      'resource-level permissions; each function holds only the Config actions its handler calls.',
    statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => a.startsWith('config:') || NO_RESOURCE_LEVEL.test(a)),
  }],
});
