import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { enableConfigSpec } from '../../infra/workflows/enable-config';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { ErrorNames, TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { ENABLE_CONFIG_TASKS, States } from '../../workflows/enable-config';
import { LOCK_STATES } from '../../workflows/lib/skeleton';
import { LOCK_TASK_SPECS } from '../../infra/kit/lock';
import { parseStateMachine, stateNamed, type AslState, type ParsedStateMachine } from './definition';
import { CDK_CONTEXT, ENV, resourcesOf } from './synth';

// The workflow's construct in a stack of its own (as RemediationStack composes it), so other workflows' resources stay out of the assertions.
let stack: Stack;
let template: Template;
let machine: ParsedStateMachine;
const state = (name: string): AslState => stateNamed(machine.states, name);

beforeAll(() => {
  const app = new App({ context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  stack = new Stack(app, 'EnableConfigTest', { env: ENV });
  new RemediationWorkflow(stack, 'EnableConfig', enableConfigSpec, {});
  acknowledgeAcceptedFindings(stack);
  template = Template.fromStack(stack);
  machine = parseStateMachine(template);
});

const EXPECTED_RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const TASKS = [
  States.validateInput, States.preflight, States.ensureServiceLinkedRole, States.putConfigurationRecorder,
  States.putDeliveryChannel, States.startConfigurationRecorder, States.checkRecording, States.buildReport,
];

describe('the enable-config state machine', () => {
  it('is a JSONPath Standard machine named remediation-enable-config with a one-hour total timeout', () => {
    expect(machine.properties).toMatchObject({ StateMachineName: 'remediation-enable-config', StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true } });
    expect(machine.asl.QueryLanguage).toBe('JSONPath');
    expect(machine.asl.TimeoutSeconds).toBe(3600);
    expect(machine.asl.StartAt).toBe(States.validateInput);
  });

  it('has exactly the exported states', () => {
    expect([...machine.states.keys()].sort()).toEqual([...Object.values(States), ...LOCK_STATES].sort());
    // Its own tasks, and the kit's AcquireLock, ReleaseLock and ReleaseLockAfterFailure.
    expect([...machine.states.values()].filter((s) => s.Type === 'Task').length).toBe(TASKS.length + 3);
  });

  it.each(TASKS)('%s retries transient errors and a timeout only, with a 60 s timeout and no Catch', (name) => {
    expect(state(name).Retry).toEqual(EXPECTED_RETRY);
    expect(state(name).TimeoutSeconds).toBe(60);
    expect(state(name).Catch).toBeUndefined();
  });

  it('applies in order: role, recorder, channel (Config needs the recorder first), start, verify', () => {
    expect(state(States.routeByPlan).Choices).toEqual([{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }]);
    expect(state(States.routeByPlan).Default).toBe(States.ensureServiceLinkedRole);
    expect(state(States.ensureServiceLinkedRole).Next).toBe(States.putConfigurationRecorder);
    expect(state(States.putConfigurationRecorder).Next).toBe(States.putDeliveryChannel);
    expect(state(States.putDeliveryChannel).Next).toBe(States.startConfigurationRecorder);
    expect(state(States.startConfigurationRecorder).Next).toBe(States.checkRecording);
    expect(state(States.putConfigurationRecorder).Parameters).toEqual({ 'recorder.$': '$.plan.desired.recorder', 'roleArn.$': '$.work.role.roleArn' });
    expect(state(States.putConfigurationRecorder).ResultPath).toBe('$.work.recorder');
  });

  it('verifies with a poll loop: pending waits SecondsPath, error fails with VerificationFailedError, otherwise reports', () => {
    expect(state(States.checkRecording).ResultPath).toBe('$.work.polls.recording');
    expect(state(States.routeRecording).Choices).toEqual([
      { Variable: '$.work.polls.recording.status', StringEquals: 'pending', Next: States.waitRecording },
      { Variable: '$.work.polls.recording.status', StringEquals: 'error', Next: States.verificationFailed },
    ]);
    expect(state(States.routeRecording).Default).toBe(States.buildReport);
    expect(state(States.waitRecording)).toEqual({ Type: 'Wait', SecondsPath: '$.work.polls.recording.waitSeconds', Next: States.checkRecording });
    expect(state(States.verificationFailed)).toEqual({ Type: 'Fail', Error: ErrorNames.verificationFailed, CausePath: '$.work.polls.recording.error.Cause' });
  });
});

describe('the Config delivery bucket', () => {
  /** The delivery bucket: the one that logs to the other (its access-log bucket). */
  const delivery = () => {
    const found = Object.entries(resourcesOf(template, 'AWS::S3::Bucket')).filter(([, b]) => b.Properties.LoggingConfiguration !== undefined);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const bucket = () => delivery()[1].Properties;
  const bucketId = () => delivery()[0];
  const accessLogsId = () => {
    const others = Object.keys(resourcesOf(template, 'AWS::S3::Bucket')).filter((id) => id !== bucketId());
    expect(others).toHaveLength(1);
    return others[0]!;
  };

  it('is encrypted, private, owner-enforced, versioned and aged out', () => {
    expect(bucket()).toEqual({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [{
        Id: 'age-out-config-history', Status: 'Enabled', ExpirationInDays: 2555,
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
      }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId() }, LogFilePrefix: 'config-bucket/' },
    });
  });

  it('has exactly the policy Config requires, for this account only, plus TLS-only', () => {
    const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).filter((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId() }));
    expect(policies).toHaveLength(1);
    const arn = { 'Fn::GetAtt': [bucketId(), 'Arn'] };
    const config = { Service: 'config.amazonaws.com' };
    const account = { StringEquals: { 'aws:SourceAccount': ENV.account } };
    expect(policies[0]!.Properties).toEqual({
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          { Sid: 'AWSConfigBucketPermissionsCheck', Effect: 'Allow', Principal: config, Action: 's3:GetBucketAcl', Resource: arn, Condition: account },
          { Sid: 'AWSConfigBucketExistenceCheck', Effect: 'Allow', Principal: config, Action: 's3:ListBucket', Resource: arn, Condition: account },
          {
            Sid: 'AWSConfigBucketDelivery', Effect: 'Allow', Principal: config, Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [arn, `/AWSLogs/${ENV.account}/Config/*`]] },
            Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': ENV.account } },
          },
        ],
      },
    });
  });

  it('is kept when the stack is removed (audit data), and so are its access logs', () => {
    expect(template.toJSON().Resources[bucketId()]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(template.toJSON().Resources[accessLogsId()]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('logs server access to its own encrypted, private, ACL-free access-log bucket, kept a year', () => {
    expect(resourcesOf(template, 'AWS::S3::Bucket')[accessLogsId()]?.Properties).toEqual({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 365 }] },
    });
  });

  it('lets S3 log delivery write access logs of the delivery bucket only, over TLS', () => {
    const policy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: accessLogsId() }));
    const arn = { 'Fn::GetAtt': [accessLogsId(), 'Arn'] };
    expect((policy?.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      {
        Sid: 'S3ServerAccessLogs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [arn, '/config-bucket/*']] },
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId(), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': ENV.account } },
      },
    ]);
  });

  it('is named to the functions that deliver to it (and only to them)', () => {
    const withBucket = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))
      .filter((f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.CONFIG_BUCKET_NAME !== undefined);
    expect(withBucket.map((f) => f.Metadata?.['remediation:handler']).sort()).toEqual(['tasks/config/preflight.ts', 'tasks/config/put-delivery-channel.ts']);
    for (const f of withBucket) expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.CONFIG_BUCKET_NAME).toEqual({ Ref: bucketId() });
  });
});

describe('cdk-nag', () => {
  // cdk-nag itself runs once, on the whole RemediationStack (test/infra/nag.test.ts).
  it('acknowledges only with reasons: the Config wildcard and the pinned runtime', () => {
    const acknowledged = stack.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>)));
    const rules = new Set(acknowledged.map(([id]) => id.replace(/^annotation::/i, '').replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-L1']);
    for (const [id, reason] of acknowledged) expect({ id, reason: reason.trim().length >= 40 }).toEqual({ id, reason: true });
  });

  it('one function per task, and the kit\'s two lock functions', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::Lambda::Function'))).toHaveLength(ENABLE_CONFIG_TASKS.length + Object.keys(LOCK_TASK_SPECS).length);
  });
});
