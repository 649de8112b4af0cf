import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { FLOW_LOGS_LOG_GROUP_NAME, ENABLE_FLOW_LOGS_TASK_SPECS } from '../../infra/workflows/enable-flow-logs';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { DESTINATION_ENV } from '../../tasks/network/lib/destination';
import { ENABLE_FLOW_LOGS_TASKS, type EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { sdkCallsOf } from './bundle-calls';
import { expectLockFunction, LOCK_TASKS, lockTableId, lockTaskOf } from './kit-functions';
import type { LockTask } from '../../infra/kit/lock';
import { removeFlowLogsAssembly, synthFlowLogsStack, type FlowLogsSynth } from './enable-flow-logs-synth';
import { resourcesOf } from './synth';

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>>; Sid?: string; Principal?: unknown }
type Resource = { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const onlyOne = (resources: Record<string, Resource>, match: (id: string) => boolean): [string, Resource] => {
  const found = Object.entries(resources).filter(([id]) => match(id));
  if (found.length !== 1) throw new Error(`expected one match, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0]!;
};
// Runtime grants (own logs, tracing), and what EC2 does on the caller's behalf for an S3 destination.
const NOT_SDK_CALLS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
const ON_CALLERS_BEHALF: Partial<Record<EnableFlowLogsTask, string[]>> = {
  'create-flow-log': ['iam:PassRole', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery'],
  'remove-created-flow-logs': ['logs:DeleteLogDelivery'],
};

let synth: FlowLogsSynth;
/** The workflow's own tasks and the kit's (the lock) it gets beside them. */
type Task = EnableFlowLogsTask | LockTask;
const bundles = new Map<Task, { statements: Statement[]; properties: Record<string, unknown>; bundle: string }>();
const fn = (task: Task) => bundles.get(task) ?? (() => { throw new Error(`no function for ${task}`); })();
/** One entry per granted action (CDK merges statements), runtime grants left out, sorted. */
const grantsOf = (task: EnableFlowLogsTask) => fn(task).statements
  .flatMap((s) => list(s.Action).filter((a) => !NOT_SDK_CALLS.has(a)).map((action) => ({
    action, resources: list(s.Resource as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), ...(s.Condition ? { condition: s.Condition } : {}),
  })))
  .sort((a, b) => a.action.localeCompare(b.action));
const accessLogsId = () => onlyOne(resourcesOf(synth.template, 'AWS::S3::Bucket'), (id) => id.includes('AccessLogs'))[0];
const bucketId = () => onlyOne(resourcesOf(synth.template, 'AWS::S3::Bucket'), (id) => id.includes('FlowLogsBucket'))[0];

beforeAll(() => {
  synth = synthFlowLogsStack({ bundle: true });
  const assembly = synth.app.synth().directory;
  const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'));
  for (const [, resource] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    const entry = resource.Metadata?.[HANDLER_METADATA];
    // Functions without a handler entry are CDK's own (bucket notifications, log retention); a handler we do not know fails.
    if (entry === undefined) continue;
    const task = ENABLE_FLOW_LOGS_TASKS.find((t) => ENABLE_FLOW_LOGS_TASK_SPECS[t].entry === entry) ?? lockTaskOf(entry);
    if (!task) throw new Error(`a function runs ${String(entry)}, which is no enable-flow-logs or kit task`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = readFileSync(path.join(assembly, String(resource.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8');
    bundles.set(task, { statements, properties: resource.Properties, bundle });
  }
});
afterAll(() => removeFlowLogsAssembly(synth));

describe('task functions', () => {
  it('there is one per task', () => {
    expect([...bundles.keys()].sort()).toEqual([...ENABLE_FLOW_LOGS_TASKS, ...LOCK_TASKS].sort());
  });

  it.each(LOCK_TASKS)('the kit\'s %s holds exactly the lock\'s actions, on the lock table, its own executions and the lock tag', (task) => {
    expectLockFunction(task, fn(task), lockTableId(synth.template));
  });

  it.each(ENABLE_FLOW_LOGS_TASKS)('%s holds exactly the actions its bundle calls', (task) => {
    const granted = new Set(fn(task).statements.flatMap((s) => list(s.Action))
      .filter((a) => !NOT_SDK_CALLS.has(a) && !(ON_CALLERS_BEHALF[task] ?? []).includes(a))
      // Tagging on create is part of CreateFlowLogs (checked below).
      .filter((a) => a !== 'ec2:CreateTags'));
    expect([...granted].sort()).toEqual(sdkCallsOf(fn(task).bundle));
  });

  it('create-flow-log: CreateFlowLogs on VPCs and flow logs, tags only on create, passes only the delivery role to the flow-logs service', () => {
    const roleId = onlyOne(resourcesOf(synth.template, 'AWS::IAM::Role'), (id) => id.includes('DeliveryRole'))[0];
    expect(grantsOf('create-flow-log')).toEqual([
      { action: 'ec2:CreateFlowLogs', resources: ['arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*', 'arn:aws:ec2:us-east-1:123456789012:vpc/*'] },
      { action: 'ec2:CreateTags', resources: ['arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*'], condition: { StringEquals: { 'ec2:CreateAction': 'CreateFlowLogs' } } },
      { action: 'ec2:DescribeFlowLogs', resources: ['*'] },
      { action: 'iam:PassRole', resources: [getAtt(roleId)], condition: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } } },
      { action: 'logs:CreateLogDelivery', resources: ['*'] },
      { action: 'logs:DeleteLogDelivery', resources: ['*'] },
    ]);
  });

  it('remove-created-flow-logs deletes only flow logs tagged as this workflow\'s', () => {
    expect(grantsOf('remove-created-flow-logs')).toEqual([
      { action: 'ec2:DeleteFlowLogs', resources: ['arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*'], condition: { StringEquals: { 'aws:ResourceTag/remediation:workflow': 'enable-flow-logs' } } },
      { action: 'ec2:DescribeFlowLogs', resources: ['*'] },
      { action: 'logs:DeleteLogDelivery', resources: ['*'] },
    ]);
  });

  it('only create-flow-log gets the destinations, as the ARNs of the stack\'s bucket, log group and role', () => {
    const roleId = onlyOne(resourcesOf(synth.template, 'AWS::IAM::Role'), (id) => id.includes('DeliveryRole'))[0];
    const groupId = onlyOne(resourcesOf(synth.template, 'AWS::Logs::LogGroup'), (id) => id.includes('FlowLogsGroup'))[0];
    const env = (task: EnableFlowLogsTask) => (fn(task).properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env('create-flow-log')).toMatchObject({
      [DESTINATION_ENV.bucketArn]: getAtt(bucketId()), [DESTINATION_ENV.logGroupArn]: getAtt(groupId), [DESTINATION_ENV.deliveryRoleArn]: getAtt(roleId),
    });
    for (const task of ENABLE_FLOW_LOGS_TASKS.filter((t) => t !== 'create-flow-log')) {
      expect(Object.keys(env(task)).filter((k) => k.startsWith('FLOW_LOGS_'))).toEqual([]);
    }
  });
});

describe('the S3 destination', () => {
  it('is encrypted, blocks public access, ages out its objects and logs access to a second bucket', () => {
    const bucket = resourcesOf(synth.template, 'AWS::S3::Bucket')[bucketId()]!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'age-out-flow-logs', Status: 'Enabled', ExpirationInDays: 365, Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }] }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId() }, LogFilePrefix: 'flow-logs-bucket/' },
    });
    expect(bucket.Properties.AccessControl).toBeUndefined();
  });

  it('logs access to a bucket that is as locked down, granting only S3 logging for this bucket by policy, no ACL', () => {
    const accessLogs = resourcesOf(synth.template, 'AWS::S3::Bucket')[accessLogsId()]!;
    expect(accessLogs.Properties).toEqual({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 365 }] },
    });
    const [, policy] = onlyOne(resourcesOf(synth.template, 'AWS::S3::BucketPolicy'), (id) => id.includes('AccessLogsPolicy'));
    const arn = getAtt(accessLogsId());
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }] },
        {
          Sid: 'S3ServerAccessLogs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [arn, '/flow-logs-bucket/*']] },
          Condition: { ArnLike: { 'aws:SourceArn': getAtt(bucketId()) }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
        },
      ],
    });
  });

  it('has exactly a TLS-only deny and the log-delivery grants limited to this account\'s log deliveries', () => {
    const [, policy] = onlyOne(resourcesOf(synth.template, 'AWS::S3::BucketPolicy'), (id) => id.includes('FlowLogsBucketPolicy'));
    const bucketArn = getAtt(bucketId());
    const fromUs = { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:123456789012:*' } };
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }] },
        {
          Sid: 'AWSLogDeliveryWrite', Effect: 'Allow', Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [bucketArn, '/AWSLogs/123456789012/*']] },
          Condition: { ...fromUs, StringEquals: { ...fromUs.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
        { Sid: 'AWSLogDeliveryAclCheck', Effect: 'Allow', Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: ['s3:GetBucketAcl', 's3:ListBucket'], Resource: bucketArn, Condition: fromUs },
      ],
    });
  });
});

describe('the CloudWatch Logs destination', () => {
  it('is a log group with retention, encrypted with a rotated key that CloudWatch Logs may use for this group only', () => {
    const [keyId, key] = onlyOne(resourcesOf(synth.template, 'AWS::KMS::Key'), () => true);
    const [, group] = onlyOne(resourcesOf(synth.template, 'AWS::Logs::LogGroup'), (id) => id.includes('FlowLogsGroup'));
    expect(group.Properties).toEqual({ LogGroupName: FLOW_LOGS_LOG_GROUP_NAME, RetentionInDays: 365, KmsKeyId: getAtt(keyId) });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements.filter((s) => s.Sid === 'CloudWatchLogsUseForFlowLogsGroup')).toEqual([{
      Sid: 'CloudWatchLogsUseForFlowLogsGroup', Effect: 'Allow', Principal: { Service: 'logs.us-east-1.amazonaws.com' }, Resource: '*',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:us-east-1:123456789012:log-group:${FLOW_LOGS_LOG_GROUP_NAME}` } },
    }]);
  });

  it('is written through a role only vpc-flow-logs.amazonaws.com may assume, for this account\'s flow logs, writing only that group', () => {
    const [roleId, role] = onlyOne(resourcesOf(synth.template, 'AWS::IAM::Role'), (id) => id.includes('DeliveryRole'));
    const groupId = onlyOne(resourcesOf(synth.template, 'AWS::Logs::LogGroup'), (id) => id.includes('FlowLogsGroup'))[0];
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*' } },
      }],
    });
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    expect(policies.map((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)).toEqual([[
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: getAtt(groupId) },
      { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    ]]);
  });
});
