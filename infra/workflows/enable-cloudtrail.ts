import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DEFAULT_TRAIL_NAME } from '../../tasks/cloudtrail/lib/schema';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildEnableCloudTrailDefinition, type EnableCloudTrailTask } from '../../workflows/enable-cloudtrail';
import { stackOwnedBucket } from '../kit/buckets';
import { kmsDescribeKey } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { NO_RESOURCE_LEVEL, actionsOf, list, onAnyResource } from '../nag';

export interface EnableCloudTrailProps {
  /** The trail this stack creates when the account has no compliant one; default `remediation-trail`. */
  trailName?: string;
}

export interface CloudTrailResources {
  bucket: s3.Bucket;
  accessLogs: s3.Bucket;
  trailName: string;
  trailArn: string;
  /** The ARNs grants are scoped to: the stack's own trail, any trail here, any trail of the account (read only). */
  arns: { ownTrail: string; anyTrail: string; anyTrailAnyRegion: string };
}

type On = keyof CloudTrailResources['arns'];
const cloudtrail = (actions: string[], on: On): Grant<CloudTrailResources> => ({ resources }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `cloudtrail:${a}`), resources: [resources.arns[on]] }),
];
// DescribeTrails supports no resource-level permissions: finding an existing trail needs '*'.
const describeTrails: Grant<CloudTrailResources> = () => [new iam.PolicyStatement({ actions: ['cloudtrail:DescribeTrails'], resources: ['*'] })];
const bucketLocation: Grant<CloudTrailResources> = ({ scope }) => [
  // Data-event buckets are input: any bucket, read-only, only its location.
  new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [`arn:${Stack.of(scope).partition}:s3:::*`] }),
];
const trailEnv = ({ resources }: { resources: CloudTrailResources }) => ({
  TRAIL_BUCKET_NAME: resources.bucket.bucketName, TRAIL_NAME: resources.trailName, TRAIL_ARN: resources.trailArn,
});

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const ENABLE_CLOUDTRAIL_TASK_SPECS: Record<EnableCloudTrailTask, TaskSpec<CloudTrailResources>> = {
  'validate-input': { entry: 'tasks/cloudtrail/validate-input.ts', grants: [] },
  preflight: {
    entry: 'tasks/cloudtrail/preflight.ts',
    grants: [describeTrails, cloudtrail(['GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'anyTrailAnyRegion'), bucketLocation, kmsDescribeKey],
    environment: trailEnv,
  },
  'ensure-trail': {
    entry: 'tasks/cloudtrail/ensure-trail.ts',
    // CreateTrail with TagsList needs AddTags too; GetTrail* read back a trail found already there.
    grants: [cloudtrail(['CreateTrail', 'AddTags', 'UpdateTrail', 'GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'ownTrail')],
    environment: trailEnv,
  },
  'start-logging': { entry: 'tasks/cloudtrail/start-logging.ts', grants: [cloudtrail(['GetTrailStatus', 'StartLogging'], 'anyTrail')], environment: trailEnv },
  'put-event-selectors': {
    entry: 'tasks/cloudtrail/put-event-selectors.ts',
    grants: [cloudtrail(['GetEventSelectors', 'PutEventSelectors'], 'anyTrail')],
    environment: trailEnv,
  },
  'verify-trail': {
    entry: 'tasks/cloudtrail/verify-trail.ts',
    grants: [cloudtrail(['GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'anyTrail')],
    environment: trailEnv,
  },
  'build-report': { entry: 'tasks/cloudtrail/build-report.ts', grants: [] },
};

/** The trail's log bucket (writable by our trail only) and the ARNs the grants are scoped to. */
function trailBucket(scope: Construct, props: EnableCloudTrailProps): CloudTrailResources {
  const stack = Stack.of(scope);
  const trailName = props.trailName ?? DEFAULT_TRAIL_NAME;
  const trailArn = `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/${trailName}`;
  const { bucket, accessLogs } = stackOwnedBucket(scope, {
    id: 'TrailBucket',
    accessLogPrefix: 'trail-bucket/',
    versioned: true,
    lifecycleRules: [{
      transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }],
      expiration: Duration.days(365 * 7),
      noncurrentVersionExpiration: Duration.days(30),
    }],
    accessLogs: { versioned: true, lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }] },
  });
  // Exactly what CloudTrail needs, and only for our trail (aws:SourceArn guards against the confused deputy).
  const fromOurTrail = { StringEquals: { 'aws:SourceArn': trailArn } };
  const principal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudTrailAclCheck', principals: [principal], actions: ['s3:GetBucketAcl'], resources: [bucket.bucketArn], conditions: fromOurTrail,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudTrailWrite', principals: [principal], actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
    conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
  }));
  return {
    bucket, accessLogs, trailName, trailArn,
    arns: {
      ownTrail: trailArn,
      anyTrail: `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/*`,
      anyTrailAnyRegion: `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`,
    },
  };
}

const texts = (s: { Resource?: unknown }) => list(s.Resource).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));

/** enable-cloudtrail: a logging multi-region trail with validation, data-event selectors merged. */
export const enableCloudTrailSpec = defineWorkflow<EnableCloudTrailTask, CloudTrailResources, EnableCloudTrailProps>({
  name: WORKFLOW.enableCloudTrail,
  comment: COMMENT,
  // No poll loops: every task is bounded by its own timeout and retries.
  timeout: Duration.hours(1),
  tasks: ENABLE_CLOUDTRAIL_TASK_SPECS,
  resources: trailBucket,
  definition: (scope, fns, _resources, kit) => buildEnableCloudTrailDefinition(scope, fns, kit),
  lock: {},
  acceptedFindings: [
    {
      rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
      reason: 'cloudtrail:DescribeTrails supports no resource-level permissions (finding an existing multi-region trail ' +
        'needs it); every other action of this role is scoped to trail, bucket or key ARNs.',
      statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => a === 'cloudtrail:DescribeTrails' || NO_RESOURCE_LEVEL.test(a)),
    },
    {
      rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):cloudtrail:([a-z]{2}(-[a-z]+)+-\d|<AWS::Region>|\*):(<AWS::AccountId>|\d{12}):trail\/\*\]$/,
      reason: 'enable-cloudtrail reuses an existing compliant trail rather than creating a second one, so its name is known only ' +
        'at run time: changes (start logging, merge event selectors) are limited to trails of this account and region; any ' +
        'region only to read the status and selectors of a multi-region trail homed elsewhere. Creating, updating and tagging ' +
        'are granted on the stack\'s own trail ARN only.',
      statement: (s) => {
        if (!texts(s).some((t) => /:trail\/\*("|$)/.test(t))) return true;
        const read = (a: string) => ['cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'].includes(a);
        const anyRegion = texts(s).some((t) => /:cloudtrail:\*:/.test(t));
        return actionsOf(s).every((a) => read(a) || (!anyRegion && (a === 'cloudtrail:StartLogging' || a === 'cloudtrail:PutEventSelectors')));
      },
    },
    {
      rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):s3:::\*\]$/,
      reason: 'enable-cloudtrail: data-event buckets are named in the input; on them only s3:GetBucketLocation (read-only: ' +
        'which region a bucket is in) is granted, to refuse buckets of another region before any change.',
      statement: (s) => !texts(s).some((t) => /:s3:::\*("|$)/.test(t)) || actionsOf(s).every((a) => a === 's3:GetBucketLocation'),
    },
  ],
});
