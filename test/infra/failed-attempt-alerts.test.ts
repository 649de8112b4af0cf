import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { FAILED_ATTEMPT_HANDLER, FailedAttemptAlerts, failedAttemptsSettings } from '../../infra/constructs/failed-attempt-alerts';
import { ConfigurationError } from '../../infra/kit/context';
import { ALERTED_EC2_CALLS } from '../../tasks/alerts/lib/failed-attempts';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, uncoveredActions, type Decision, type Request, type RolePolicy } from './iam-policies';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

// GIVEN the refused-EC2-calls alerts alone in a stack (their function bundled), THEN the rule's pattern and target, the
// table, the function's environment and its role are exactly these, and IAM (iam-simulate) lets the role publish to the
// notifications topic, write its own table, describe instances and start contain-principal and isolate-instance only.
const { account: A, region: R } = ENV;
const STACK = 'AlertsTest';
const TOPIC = `arn:aws:sns:${R}:${A}:notifications`;
const CONTAIN = `arn:aws:states:${R}:${A}:stateMachine:remediation-contain-principal`;
const ISOLATE = `arn:aws:states:${R}:${A}:stateMachine:remediation-isolate-instance`;
const SETTINGS = { threshold: 3, windowMinutes: 5, alertWindowMinutes: 30, policy: 'auto' as const };

let outdir: string;
let template: Template;
let policy: RolePolicy;
let tableArn: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'alerts-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, STACK, { env: ENV });
  new FailedAttemptAlerts(stack, 'FailedAttemptAlerts', {
    notificationTopicArn: TOPIC, containStateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Contain', CONTAIN),
    isolateStateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Isolate', ISOLATE), isolatePolicy: 'approval',
    settings: SETTINGS, protectedRoleArns: [`arn:aws:iam::${A}:role/break-glass`],
  });
  template = Template.fromStack(stack);
  app.synth();
  policy = rolePoliciesByEntry(template, 'FailedAttemptAlerts', [FAILED_ATTEMPT_HANDLER]).get(FAILED_ATTEMPT_HANDLER)!;
  tableArn = `arn:aws:dynamodb:${R}:${A}:table/${Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]}`;
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const fn = () => {
  const fns = Object.values(resourcesOf(template, 'AWS::Lambda::Function'));
  expect(fns).toHaveLength(1);
  const { Properties, Metadata } = fns[0]!;
  return { Properties: Properties as { Environment: { Variables: Record<string, unknown> } }, Metadata: Metadata ?? {} };
};
const logicalIdOf = (type: string): string => {
  const ids = Object.keys(resourcesOf(template, type));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

it('the rule matches refused EC2 start/run/modify calls by suffix and wildcard, and targets the function with retries and a DLQ', () => {
  const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule'));
  expect(rules).toHaveLength(1);
  expect(rules[0]!.Properties.EventPattern).toEqual({
    source: ['aws.ec2'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['ec2.amazonaws.com'],
      eventName: [...ALERTED_EC2_CALLS],
      errorCode: [{ suffix: 'UnauthorizedOperation' }, { wildcard: '*AccessDenied*' }],
    },
  });
  expect(rules[0]!.Properties.State).toBe('ENABLED');
  expect(rules[0]!.Properties.Targets).toEqual([{
    Id: 'Target0',
    Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function'), 'Arn'] },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue'), 'Arn'] } },
    RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 8 },
  }]);
});

it('the dead-letter queue is encrypted and kept 14 days; EventBridge may invoke the function for this rule only', () => {
  expect(Object.values(resourcesOf(template, 'AWS::SQS::Queue'))[0]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission'));
  expect(permissions.map((p) => p.Properties)).toEqual([{
    Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function'), 'Arn'] },
    Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::Events::Rule'), 'Arn'] },
  }]);
});

it('the table is stack-owned: on demand, PITR, encrypted, keyed pk/sk, with a TTL attribute', () => {
  expect(Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]).toMatchObject({
    DeletionPolicy: 'Delete',
    Properties: {
      BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, SSESpecification: { SSEEnabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    },
  });
  expect(logicalIdOf('AWS::DynamoDB::Table')).toMatch(/^FailedAttemptsTable/);
});

it("the function is told the table, topic, contain-principal's and isolate-instance's ARNs, the settings, the isolation policy and the principals never contained", () => {
  expect(fn().Properties.Environment.Variables).toEqual({
    NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'ec2-remediation',
    ALERT_TABLE_NAME: { Ref: logicalIdOf('AWS::DynamoDB::Table') }, NOTIFICATION_TOPIC_ARN: TOPIC, CONTAIN_STATE_MACHINE_ARN: CONTAIN,
    ISOLATE_STATE_MACHINE_ARN: ISOLATE, ISOLATE_POLICY: 'approval',
    FAILED_ATTEMPTS: JSON.stringify(SETTINGS), STACK_ACCOUNT_ID: A, OWN_ROLE_PREFIX: `${STACK}-`, PROTECTED_ROLE_ARNS: `arn:aws:iam::${A}:role/break-glass`,
  });
  expect(fn().Metadata[HANDLER_METADATA]).toBe(FAILED_ATTEMPT_HANDLER);
});

it('the role holds exactly the actions its bundle calls', () => {
  const bundle = sharedBundleOf(String(fn().Metadata[HANDLER_METADATA]));
  const granted = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat() as string[])
    .filter((a) => !/^(logs:(CreateLogStream|PutLogEvents)|xray:)/.test(a));
  expect([...new Set(granted)].sort()).toEqual(sdkCallsOf(bundle));
});

const TABLE = '<table>';
const req = (action: string, resource: string): Request => ({ action, resource });
const CASES: [string, Request, Decision][] = [
  ['sns:Publish to the notifications topic', req('sns:Publish', TOPIC), 'Allowed'],
  ['sns:Publish to another topic', req('sns:Publish', `arn:aws:sns:${R}:${A}:approvals`), 'ImplicitlyDenied'],
  ['dynamodb:PutItem on its table', req('dynamodb:PutItem', TABLE), 'Allowed'],
  ['dynamodb:PutItem on another table (the lock table)', req('dynamodb:PutItem', `arn:aws:dynamodb:${R}:${A}:table/Locks`), 'ImplicitlyDenied'],
  ['dynamodb:Query on its table', req('dynamodb:Query', TABLE), 'Allowed'],
  ['dynamodb:Query on another table', req('dynamodb:Query', `arn:aws:dynamodb:${R}:${A}:table/PrincipalCases`), 'ImplicitlyDenied'],
  ['dynamodb:DeleteItem on its table', req('dynamodb:DeleteItem', TABLE), 'ImplicitlyDenied'],
  ['states:StartExecution of contain-principal', req('states:StartExecution', CONTAIN), 'Allowed'],
  ['states:StartExecution of isolate-instance', req('states:StartExecution', ISOLATE), 'Allowed'],
  ['states:StartExecution of another workflow', req('states:StartExecution', `arn:aws:states:${R}:${A}:stateMachine:remediation-encrypt-volumes`), 'ImplicitlyDenied'],
  ['ec2:DescribeInstances', req('ec2:DescribeInstances', '*'), 'Allowed'],
  ['ec2:StopInstances (isolate-instance acts, not the alert)', req('ec2:StopInstances', `arn:aws:ec2:${R}:${A}:instance/i-0a1b2c3d4e5f60718`), 'ImplicitlyDenied'],
  ['ec2:ModifyNetworkInterfaceAttribute', req('ec2:ModifyNetworkInterfaceAttribute', `arn:aws:ec2:${R}:${A}:network-interface/eni-0123456789abcdef0`), 'ImplicitlyDenied'],
  ['iam:UpdateAccessKey (contain-principal does that, not the alert)', req('iam:UpdateAccessKey', `arn:aws:iam::${A}:user/mallory`), 'ImplicitlyDenied'],
];

it.each(CASES)('IAM decides %s', async (_what, request, expected) => {
  expect(await decide(policy, { ...request, resource: request.resource === TABLE ? tableArn : request.resource })).toBe(expected);
});

it('every action the role may take that changes something has an allowed and a denied case', () => {
  expect(mutatingActions(policy)).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'sns:Publish', 'states:StartExecution']);
  expect(uncoveredActions(mutatingActions(policy), CASES)).toEqual({ notAllowed: [], notDenied: [] });
});

describe('CDK context failedAttempts', () => {
  const settingsOf = (value: unknown) => failedAttemptsSettings(new App({ context: value === undefined ? {} : { failedAttempts: value } }).node);

  it('defaults to 5 refusals in 10 minutes, one alert per IP per 60 minutes, policy approval', () => {
    expect(settingsOf(undefined)).toEqual({ threshold: 5, windowMinutes: 10, alertWindowMinutes: 60, policy: 'approval' });
  });

  it('takes the given keys, as an object or as -c JSON', () => {
    expect(settingsOf({ threshold: 3, policy: 'report' })).toEqual({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'report' });
    expect(settingsOf('{"windowMinutes": 2}')).toEqual({ threshold: 5, windowMinutes: 2, alertWindowMinutes: 60, policy: 'approval' });
  });

  it.each([
    [{ threshold: 0 }, /threshold/], [{ windowMinutes: 1.5 }, /windowMinutes/], [{ policy: 'always' }, /policy/], [{ treshold: 5 }, /treshold/], [[5], /JSON object/],
  ])('refuses %j with a ConfigurationError naming the key', (value, key) => {
    expect(() => settingsOf(value)).toThrow(ConfigurationError);
    expect(() => settingsOf(value)).toThrow(key);
  });
});
