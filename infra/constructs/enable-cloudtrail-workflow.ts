import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_TRAIL_NAME } from '../../tasks/cloudtrail/lib/schema';
import { WORKFLOW_ENABLE_CLOUDTRAIL } from '../../tasks/cloudtrail/lib/names';
import { COMMENT, ENABLE_CLOUDTRAIL_TASKS, buildEnableCloudTrailDefinition, type EnableCloudTrailTask } from '../../workflows/enable-cloudtrail';
import { RemediationStateMachine } from './remediation-state-machine';
import { TaskFunction } from './task-function';

/** The ARNs a task's grants are scoped to. */
interface Scope {
  /** The one trail this stack creates (its bucket accepts logs from it only). */
  ownTrail: string;
  /** Any trail of this account and region: an existing compliant trail is reused, not duplicated. */
  anyTrail: string;
  /** Any trail of this account, for reading only: a multi-region trail homed elsewhere counts too. */
  anyTrailAnyRegion: string;
}
type Grant = (scope: Scope, construct: Construct) => iam.PolicyStatement[];

const cloudtrail = (actions: string[], on: keyof Scope): Grant => (scope) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `cloudtrail:${a}`), resources: [scope[on]] }),
];
// DescribeTrails supports no resource-level permissions: finding an existing trail needs '*'.
const describeTrails: Grant = () => [new iam.PolicyStatement({ actions: ['cloudtrail:DescribeTrails'], resources: ['*'] })];
const bucketLocation: Grant = (_, construct) => [
  // Data-event buckets are input: any bucket, read-only, only its location.
  new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [`arn:${Stack.of(construct).partition}:s3:::*`] }),
];
const describeKey: Grant = (_, construct) => {
  const stack = Stack.of(construct);
  return [new iam.PolicyStatement({
    actions: ['kms:DescribeKey'],
    resources: [`arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`, `arn:${stack.partition}:kms:${stack.region}:${stack.account}:alias/*`],
  })];
};

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const TASK_GRANTS: Record<EnableCloudTrailTask, { entry: string; grants: Grant[]; needsTrailEnv: boolean }> = {
  'validate-input': { entry: 'tasks/cloudtrail/validate-input.ts', grants: [], needsTrailEnv: false },
  preflight: {
    entry: 'tasks/cloudtrail/preflight.ts',
    grants: [describeTrails, cloudtrail(['GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'anyTrailAnyRegion'), bucketLocation, describeKey],
    needsTrailEnv: true,
  },
  'ensure-trail': {
    entry: 'tasks/cloudtrail/ensure-trail.ts',
    // CreateTrail with TagsList needs AddTags too; GetTrail* read back a trail found already there.
    grants: [cloudtrail(['CreateTrail', 'AddTags', 'UpdateTrail', 'GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'ownTrail')],
    needsTrailEnv: true,
  },
  'start-logging': { entry: 'tasks/cloudtrail/start-logging.ts', grants: [cloudtrail(['GetTrailStatus', 'StartLogging'], 'anyTrail')], needsTrailEnv: true },
  'put-event-selectors': {
    entry: 'tasks/cloudtrail/put-event-selectors.ts',
    grants: [cloudtrail(['GetEventSelectors', 'PutEventSelectors'], 'anyTrail')],
    needsTrailEnv: true,
  },
  'verify-trail': {
    entry: 'tasks/cloudtrail/verify-trail.ts',
    grants: [cloudtrail(['GetTrail', 'GetTrailStatus', 'GetEventSelectors'], 'anyTrail')],
    needsTrailEnv: true,
  },
  'build-report': { entry: 'tasks/cloudtrail/build-report.ts', grants: [], needsTrailEnv: false },
};

export interface EnableCloudTrailWorkflowProps {
  /** The trail this stack creates when the account has no compliant one; default `remediation-trail`. */
  trailName?: string;
}

/** The whole enable-cloudtrail workflow: the log bucket, its task functions and their permissions, its state machine. */
export class EnableCloudTrailWorkflow extends Construct {
  readonly machine: RemediationStateMachine;
  readonly functions: Record<EnableCloudTrailTask, TaskFunction>;
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly trailName: string;
  readonly trailArn: string;

  constructor(scope: Construct, id: string, props: EnableCloudTrailWorkflowProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.trailName = props.trailName ?? DEFAULT_TRAIL_NAME;
    this.trailArn = `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/${this.trailName}`;
    const bucketDefaults = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // Audit records outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...bucketDefaults,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.bucket = new s3.Bucket(this, 'TrailBucket', {
      ...bucketDefaults,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{
        transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }],
        expiration: Duration.days(365 * 7),
        noncurrentVersionExpiration: Duration.days(30),
      }],
    });
    // Server access logs through a bucket policy (not the legacy log-delivery ACL), whatever the app's feature flags say.
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: this.accessLogs.bucketName, logFilePrefix: 'trail-bucket/' };
    this.accessLogs.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogs', principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')], actions: ['s3:PutObject'],
      resources: [this.accessLogs.arnForObjects('trail-bucket/*')],
      conditions: { ArnLike: { 'aws:SourceArn': this.bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    // Exactly what CloudTrail needs, and only for our trail (aws:SourceArn guards against the confused deputy).
    const fromOurTrail = { StringEquals: { 'aws:SourceArn': this.trailArn } };
    const cloudtrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudTrailAclCheck', principals: [cloudtrailPrincipal], actions: ['s3:GetBucketAcl'], resources: [this.bucket.bucketArn], conditions: fromOurTrail,
    }));
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudTrailWrite', principals: [cloudtrailPrincipal], actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
      conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': this.trailArn } },
    }));

    const grantScope: Scope = {
      ownTrail: this.trailArn,
      anyTrail: `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/*`,
      anyTrailAnyRegion: `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`,
    };
    const functions = {} as Record<EnableCloudTrailTask, TaskFunction>;
    for (const task of ENABLE_CLOUDTRAIL_TASKS) {
      const { entry, grants, needsTrailEnv } = TASK_GRANTS[task];
      const fn = new TaskFunction(this, task, { entry, statements: grants.flatMap((grant) => grant(grantScope, this)) });
      if (needsTrailEnv) {
        fn.fn.addEnvironment('TRAIL_BUCKET_NAME', this.bucket.bucketName);
        fn.fn.addEnvironment('TRAIL_NAME', this.trailName);
        fn.fn.addEnvironment('TRAIL_ARN', this.trailArn);
      }
      if (grants.includes(describeTrails)) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'cloudtrail:DescribeTrails supports no resource-level permissions (finding an existing multi-region trail ' +
            'needs it); every other action of this role is scoped to trail, bucket or key ARNs.',
        });
      }
      functions[task] = fn;
    }
    this.functions = functions;
    const fns = {} as Record<EnableCloudTrailTask, IFunction>;
    for (const task of ENABLE_CLOUDTRAIL_TASKS) fns[task] = functions[task].fn;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: WORKFLOW_ENABLE_CLOUDTRAIL,
      definition: buildEnableCloudTrailDefinition(this, fns),
      comment: COMMENT,
      // No poll loops: every task is bounded by its own timeout and retries.
      timeout: Duration.hours(1),
    });
  }
}
