import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { rootScopeOf } from './root';

export interface StackOwnedBucketProps {
  /** Construct id of the bucket; its access-log bucket is `AccessLogs` beside it. */
  id: string;
  /** Key prefix of this bucket's server access logs in the access-log bucket, e.g. `trail-bucket/`. */
  accessLogPrefix: string;
  versioned?: boolean;
  lifecycleRules: s3.LifecycleRule[];
  accessLogs: { versioned?: boolean; lifecycleRules: s3.LifecycleRule[] };
}

export interface StackOwnedBucket {
  bucket: s3.Bucket;
  accessLogs: s3.Bucket;
}

/**
 * A bucket the stack owns (flow logs, Config history, CloudTrail logs) with its own server-access-log
 * bucket: SSE-S3, public access blocked, TLS only, no ACLs, retained with the audit data they hold.
 * S3 log delivery is granted by bucket policy, never the legacy LogDeliveryWrite ACL, so the delivering
 * service's policy on the main bucket stays exactly what that service requires. The buckets are created
 * directly in `scope` (not in a construct of their own), so their logical ids do not change.
 */
export function stackOwnedBucket(workflowScope: Construct, props: StackOwnedBucketProps): StackOwnedBucket {
  // Audit data outlives any workflow: the buckets live in the root stack, never in a workflow's nested stack.
  const scope = rootScopeOf(workflowScope);
  const stack = Stack.of(scope);
  const common = {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    ...common,
    ...(props.accessLogs.versioned ? { versioned: true } : {}),
    lifecycleRules: props.accessLogs.lifecycleRules,
  });
  const bucket = new s3.Bucket(scope, props.id, {
    ...common,
    ...(props.versioned ? { versioned: true } : {}),
    lifecycleRules: props.lifecycleRules,
  });
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: accessLogs.bucketName,
    logFilePrefix: props.accessLogPrefix,
  };
  accessLogs.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'S3ServerAccessLogs',
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [accessLogs.arnForObjects(`${props.accessLogPrefix}*`)],
    conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  return { bucket, accessLogs };
}
