import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { enableCloudTrailSpec, ENABLE_CLOUDTRAIL_TASK_SPECS } from '../../infra/workflows/enable-cloudtrail';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { LOCK_TASK_SPECS } from '../../infra/kit/lock';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { States, type EnableCloudTrailTask } from '../../workflows/enable-cloudtrail';
import { type Asl, type AslState, fakeArn, flattenStates, resolveDefinitionString, stateNamed } from './definition';
import { CDK_CONTEXT, ENV, resourcesOf } from './synth';

const TRAIL_ARN = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/remediation-trail';
const TASK_STATES: Record<string, EnableCloudTrailTask> = {
  [States.validateInput]: 'validate-input',
  [States.preflight]: 'preflight',
  [States.ensureTrail]: 'ensure-trail',
  [States.startLogging]: 'start-logging',
  [States.putEventSelectors]: 'put-event-selectors',
  [States.verifyTrail]: 'verify-trail',
  [States.buildReport]: 'build-report',
};
// The kit's lock steps around the workflow's own.
const LOCK_TASK_STATES = {
  [SkeletonStates.acquireLock]: LOCK_TASK_SPECS['acquire-lock'].entry,
  [SkeletonStates.releaseLock]: LOCK_TASK_SPECS['release-lock'].entry,
  [SkeletonStates.releaseLockAfterFailure]: LOCK_TASK_SPECS['release-lock'].entry,
};
const TASK_ENTRIES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(TASK_STATES).map(([name, task]) => [name, ENABLE_CLOUDTRAIL_TASK_SPECS[task].entry])),
  ...LOCK_TASK_STATES,
};
const EXPECTED_RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

let stack: Stack;
let template: Template;
let machine: { properties: Record<string, unknown>; asl: Asl; states: Map<string, AslState> };
const state = (name: string): AslState => stateNamed(machine.states, name);
const bucketId = (prefix: string) => Object.keys(resourcesOf(template, 'AWS::S3::Bucket')).find((id) => id.startsWith(prefix)) as string;

beforeAll(() => {
  // GIVEN the workflow's construct alone in a stack, as the RemediationStack composes it
  stack = new Stack(new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), 'CloudTrailTest', { env: ENV });
  new RemediationWorkflow(stack, 'EnableCloudTrail', enableCloudTrailSpec, {});
  acknowledgeAcceptedFindings(stack);
  template = Template.fromStack(stack);
  const [, resource] = Object.entries(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0]!;
  const asl = JSON.parse(resolveDefinitionString(resource.Properties.DefinitionString)) as Asl;
  machine = { properties: resource.Properties, asl, states: flattenStates(asl.States) };
});

describe('state machine', () => {
  it('has exactly one Task state per task (and the kit\'s lock steps), each invoking its own function', () => {
    const tasks = [...machine.states].filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks.sort()).toEqual(Object.keys(TASK_ENTRIES).sort());
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    for (const [name, entry] of Object.entries(TASK_ENTRIES)) {
      const [logicalId] = Object.entries(functions).find(([id]) => fakeArn(id) === state(name).Resource) ?? [];
      expect({ name, handler: logicalId && functions[logicalId]?.Metadata?.[HANDLER_METADATA] }).toEqual({ name, handler: entry });
    }
  });

  it.each(Object.keys(TASK_ENTRIES))('%s retries transient errors and one timeout only, within 60 s', (name) => {
    expect(state(name).Retry).toEqual(EXPECTED_RETRY);
    expect(state(name).TimeoutSeconds).toBe(60);
  });

  it('catches nothing but the kit\'s release of the lock: no step needs undoing, so a failure ends the execution with its own error', () => {
    expect([...machine.states].filter(([, s]) => s.Catch !== undefined).map(([name]) => name)).toEqual([SkeletonStates.remediation]);
    expect(state(SkeletonStates.remediation).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: SkeletonStates.releaseLockAfterFailure }]);
    expect(state(SkeletonStates.failed)).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  it('RouteByPlan: anything but PROCEED reports; a trail to create or update first, otherwise straight to logging', () => {
    const route = state(States.routeByPlan);
    expect({ Choices: route.Choices, Default: route.Default }).toEqual({
      Choices: [
        { Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport },
        { Variable: '$.plan.trailAction', StringEquals: 'none', Next: States.startLogging },
      ],
      Default: States.ensureTrail,
    });
  });

  it('runs the apply steps in order, verify before the report', () => {
    const order = [States.ensureTrail, States.startLogging, States.putEventSelectors, States.verifyTrail, States.buildReport];
    expect(order.slice(0, -1).map((name) => state(name).Next)).toEqual(order.slice(1));
    // The report ends the Remediation branch; the lock is released, then Done.
    expect(state(States.buildReport)).toMatchObject({ End: true });
    expect([state(SkeletonStates.remediation).Next, state(SkeletonStates.releaseLock).Next]).toEqual([SkeletonStates.releaseLock, States.done]);
    expect(machine.asl.StartAt).toBe(States.validateInput);
    expect(state(States.validateInput).Next).toBe(SkeletonStates.routeByMode);
    expect(state(SkeletonStates.remediation).Branches?.map((b) => b.StartAt)).toEqual([States.preflight]);
    expect([state(States.preflight).Next, state(States.initWork).Next]).toEqual([States.initWork, States.routeByPlan]);
  });

  it('verify compares with the selectors the trail had before this run changed them', () => {
    expect(state(States.verifyTrail).Parameters).toEqual({
      'trailName.$': '$.plan.trail.name', 'desired.$': '$.plan.desired', 'dataEventBuckets.$': '$.plan.dataEventBuckets',
      'selectorsBefore.$': '$.work.selectors.before',
    });
  });

  it('is a JSONPath Standard machine with a one-hour timeout, traced, logging everything', () => {
    expect(machine.asl).toMatchObject({ QueryLanguage: 'JSONPath', TimeoutSeconds: 3600 });
    expect(machine.properties).toMatchObject({
      StateMachineName: 'remediation-enable-cloudtrail', StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });
});

describe('the trail bucket', () => {
  it('has exactly the policy CloudTrail needs, for our trail only, and refuses plain HTTP', () => {
    const trailBucket = bucketId('EnableCloudTrailTrailBucket');
    const arn = { 'Fn::GetAtt': [trailBucket, 'Arn'] };
    const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).filter((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: trailBucket }));
    expect(policies.map((p) => p.Properties.PolicyDocument)).toEqual([{
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
        },
        {
          Sid: 'CloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl',
          Resource: arn, Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } },
        },
        {
          Sid: 'CloudTrailWrite', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [arn, '/AWSLogs/123456789012/*']] },
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': TRAIL_ARN } },
        },
      ],
    }]);
  });

  it('is encrypted, private, versioned, retained, with server access logs and a lifecycle', () => {
    const trailBucket = resourcesOf(template, 'AWS::S3::Bucket')[bucketId('EnableCloudTrailTrailBucket')]!;
    expect(trailBucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: bucketId('EnableCloudTrailAccessLogs') }, LogFilePrefix: 'trail-bucket/' },
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 2555, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }] }] },
    });
    expect((template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>)[bucketId('EnableCloudTrailTrailBucket')]?.DeletionPolicy).toBe('Retain');
  });

  it('is named to the functions that need it, with the one trail its policy accepts', () => {
    const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function'));
    const withTrail = functions.filter((f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.TRAIL_BUCKET_NAME !== undefined);
    expect(withTrail).toHaveLength(5);
    for (const f of withTrail) {
      expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        TRAIL_BUCKET_NAME: { Ref: bucketId('EnableCloudTrailTrailBucket') }, TRAIL_NAME: 'remediation-trail', TRAIL_ARN,
      });
    }
  });
});
