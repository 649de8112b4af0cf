import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { encryptVolumesSpec } from '../../infra/workflows/encrypt-volumes';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { triageSpec } from '../../infra/workflows/triage-start-instances';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { States, TRIAGE_TASKS, type TriageTask } from '../../workflows/triage-start-instances';
import { sdkCallsOf } from '../infra/bundle-calls';
import { fakeArn, flattenStates, resolveDefinitionString, stateNamed, type Asl, type AslState } from '../infra/definition';
import { sharedBundleOf } from '../infra/synth';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const ENV = { account: '123456789012', region: 'us-east-1' };
// Synthesizing (and bundling) takes a while on a busy machine: more than the default test timeout.
const SYNTH_TIMEOUT_MS = 180_000;
// The feature flags `cdk synth` uses (cdk.json), so the template under test is the one we deploy.
const FEATURE_FLAGS: Record<string, unknown> = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
// Granted to every function for the runtime itself (logs, tracing), not for the handler's calls.
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
// TRANSIENT_RETRY and TIMEOUT_RETRY of workflows/lib/steps.ts as synthesized: the objects test/infra/state-machine.test.ts expects.
const EXPECTED_RETRY = [
  {
    ErrorEquals: [...TRANSIENT_ERRORS],
    IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL',
  },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
// Which function each Task state invokes.
const TASK_STATES: Record<string, TriageTask> = {
  [States.parseStartEvent]: 'parse-start-event',
  [States.startChunkTriages]: 'start-chunk-triages',
  [States.assessInstance]: 'assess-instance',
  [States.startChild]: 'start-child',
  [States.startContainment]: 'start-child',
  [States.startIsolation]: 'start-child',
  [States.buildTriageReport]: 'build-triage-report',
};

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const actionsOf = (s: Statement): string[] => list(s.Action);
const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
// The stack's account and region are known here, so CDK writes the ARN out.
const TRIAGE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-triage-start-instances';

/** An isolated stack: encrypt-volumes as the child and triage, acknowledged as RemediationStack does. */
function buildStack(app: App) {
  const stack = new Stack(app, 'T', { env: ENV });
  const encryptVolumes = new RemediationWorkflow(stack, 'EncryptVolumes', encryptVolumesSpec, {});
  const triage = new RemediationWorkflow(stack, 'Triage', triageSpec, {
    children: { 'encrypt-volumes': encryptVolumes.machine.stateMachine },
    ourRoles: [encryptVolumes.functions['start-instance'].role],
  });
  acknowledgeAcceptedFindings(stack);
  return { stack, encryptVolumes, triage };
}

let built: ReturnType<typeof buildStack>;
let resources: Record<string, Resource>;
/** The logical id of a construct's CloudFormation resource. */
const id = (construct: IConstruct): string => built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
/** Every statement of the inline policies attached to the role `roleId`. */
const statementsOf = (roleId: string): Statement[] => ofType('AWS::IAM::Policy')
  .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
  .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
/**
 * What the role of one triage function may do beyond what every function gets for the runtime, one entry
 * per action (statements are minimized, so an action may share its statement with the runtime's).
 */
const handlerGrants = (task: TriageTask) => statementsOf(id(built.triage.functions[task].role))
  .flatMap((s) => actionsOf(s).filter((a) => !RUNTIME_ACTIONS.has(a))
    .map((action) => ({ effect: s.Effect, action, resources: list(s.Resource), conditions: s.Condition })))
  .sort((a, b) => a.action.localeCompare(b.action));
const environmentOf = (task: TriageTask): Record<string, unknown> =>
  ((resources[id(built.triage.functions[task].fn)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables);

let triageMachineId: string;
let asl: Asl;
let states: Map<string, AslState>;
const state = (name: string): AslState => stateNamed(states, name);

beforeAll(() => {
  built = buildStack(new App({ context: { ...FEATURE_FLAGS, [cxapi.BUNDLING_STACKS]: [] } }));
  resources = Template.fromStack(built.stack).toJSON().Resources as Record<string, Resource>;
  triageMachineId = id(built.triage.machine.stateMachine);
  asl = JSON.parse(resolveDefinitionString(resources[triageMachineId]?.Properties.DefinitionString)) as Asl;
  states = flattenStates(asl.States);
}, SYNTH_TIMEOUT_MS);

describe('the StartInstances rule', () => {
  const rule = () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    return rules[0]!;
  };

  it('matches exactly CloudTrail StartInstances calls', () => {
    expect(rule()[1].Properties.EventPattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['ec2.amazonaws.com'], eventName: ['StartInstances'] },
    });
    expect(rule()[1].Properties.State).toBe('ENABLED');
  });

  it('targets only the triage state machine, with retry and the dead-letter queue', () => {
    const queueId = id(built.triage.resources.deadLetterQueue);
    const targets = rule()[1].Properties.Targets as Record<string, unknown>[];
    expect(targets).toHaveLength(1);
    expect(targets[0]).toEqual({
      Id: expect.any(String),
      Arn: { Ref: triageMachineId },
      RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      DeadLetterConfig: { Arn: getAttArn(queueId) },
    });
  });

  it('starts executions with a role that may only start the triage state machine', () => {
    const target = (rule()[1].Properties.Targets as { RoleArn: { 'Fn::GetAtt': [string, string] } }[])[0]!;
    const roleId = target.RoleArn['Fn::GetAtt'][0];
    const role = resources[roleId];
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }],
    });
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    expect(statementsOf(roleId)).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: triageMachineId } }]);
  });
});

describe('the dead-letter queue', () => {
  it('is encrypted (SQS-managed) and keeps failed events 14 days', () => {
    const queue = resources[id(built.triage.resources.deadLetterQueue)];
    expect(queue?.Type).toBe('AWS::SQS::Queue');
    expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(queue?.Properties.KmsMasterKeyId).toBeUndefined();
    expect(ofType('AWS::SQS::Queue')).toHaveLength(1);
  });

  it('denies every call without TLS, and takes messages only from the rule', () => {
    const queueId = id(built.triage.resources.deadLetterQueue);
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0]![1].Properties.Queues).toEqual([{ Ref: queueId }]);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toEqual([
      {
        Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: getAttArn(queueId),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: expect.any(String),
        Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: getAttArn(queueId),
        Condition: { ArnEquals: { 'aws:SourceArn': getAttArn(ofType('AWS::Events::Rule')[0]![0]) } },
      },
    ]);
  });
});

describe('the triage task functions', () => {
  it('are one per task', () => {
    const handlers = Object.entries(resources)
      .filter(([logicalId, r]) => r.Type === 'AWS::Lambda::Function' && logicalId.startsWith('Triage'))
      .map(([, r]) => r.Metadata?.[HANDLER_METADATA]);
    expect(handlers.sort()).toEqual(TRIAGE_TASKS.map((task) => `tasks/triage/${task}.ts`).sort());
  });

  it('start-child may only start executions of the encrypt-volumes state machine', () => {
    expect(handlerGrants('start-child')).toEqual([
      { effect: 'Allow', action: 'states:StartExecution', resources: [{ Ref: id(built.encryptVolumes.machine.stateMachine) }], conditions: undefined },
    ]);
  });

  it('start-child knows the encrypt-volumes state machine by its ARN', () => {
    expect(environmentOf('start-child').CHILD_STATE_MACHINES).toEqual({
      'Fn::Join': ['', ['{"encrypt-volumes":"', { Ref: id(built.encryptVolumes.machine.stateMachine) }, '"}']],
    });
  });

  it('start-chunk-triages may only start executions of triage itself (the further chunks of a large event)', () => {
    expect(handlerGrants('start-chunk-triages')).toEqual([
      { effect: 'Allow', action: 'states:StartExecution', resources: [TRIAGE_ARN], conditions: undefined },
    ]);
  });

  it('start-chunk-triages knows triage by its ARN, built from the name (a reference would be a cycle)', () => {
    expect(environmentOf('start-chunk-triages').TRIAGE_STATE_MACHINE_ARN).toEqual(TRIAGE_ARN);
    expect(resources[triageMachineId]?.Properties.StateMachineName).toBe('remediation-triage-start-instances');
  });

  it('parse-start-event knows the stack\'s account (Lambda sets only the region)', () => {
    expect(environmentOf('parse-start-event').STACK_ACCOUNT_ID).toBe('123456789012');
  });

  it('assess-instance may only describe instances, volumes, security groups and flow logs, read EBS encryption by default, and read high-cpu\'s alarms', () => {
    // EC2 Describe* and GetEbsEncryptionByDefault support no resource-level permissions: '*' is the only choice.
    // DescribeAlarms does: high-cpu's alarms only, by their name prefix, in the stack's region.
    expect(handlerGrants('assess-instance')).toEqual([
      { effect: 'Allow', action: 'cloudwatch:DescribeAlarms', resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:remediation-high-cpu-*'], conditions: undefined },
      ...['ec2:DescribeFlowLogs', 'ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes', 'ec2:GetEbsEncryptionByDefault']
        .map((action) => ({ effect: 'Allow', action, resources: ['*'], conditions: undefined })),
    ]);
  });

  it('assess-instance has encrypt-volumes ask for approval, enables flow logs by itself, reports investigations and open groups, and allows everyone by default', () => {
    expect(environmentOf('assess-instance')).toMatchObject({
      TRIAGE_POLICY: '{"encrypt-volumes":"approval","enable-flow-logs":"auto","investigate-traffic":"report","restrict-security-groups":"report","enforce-imdsv2":"report","enable-ebs-encryption-by-default":"report","contain-principal":"approval","high-cpu":"report","isolate-instance":"approval"}', ALLOWED_PRINCIPALS: '',
    });
  });

  it.each(['parse-start-event', 'build-triage-report'] as const)('%s calls no AWS API', (task) => {
    expect(handlerGrants(task)).toEqual([]);
  });

  it('parse-start-event decides contain-principal: the allow-list, the policy (contain-principal asks for approval by default), the stack\'s role prefix', () => {
    expect(environmentOf('parse-start-event')).toMatchObject({
      ALLOWED_PRINCIPALS: '', TRIAGE_POLICY: environmentOf('assess-instance').TRIAGE_POLICY, OWN_ROLE_PREFIX: 'T-', PROTECTED_ROLE_ARNS: '',
    });
    expect(JSON.parse(String(environmentOf('parse-start-event').TRIAGE_POLICY))['contain-principal']).toBe('approval');
  });

  it('parse-start-event knows the start-instance role of encrypt-volumes as ours', () => {
    const startInstanceRole = built.encryptVolumes.functions['start-instance'].role;
    expect(environmentOf('parse-start-event').OUR_ROLE_ARNS).toEqual(built.stack.resolve(startInstanceRole.roleArn));
    expect(environmentOf('parse-start-event').OUR_ROLE_ARNS).toEqual(getAttArn(id(startInstanceRole)));
  });
});

describe('the triage state machine', () => {
  const TASKS = Object.keys(TASK_STATES);

  it('has exactly the expected Task states, inside Maps included', () => {
    const tasks = [...states].filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks.sort()).toEqual([...TASKS].sort());
  });

  it.each(TASKS)('%s retries transient errors and one timeout, nothing else', (name) => {
    expect(state(name).Retry).toEqual(EXPECTED_RETRY);
  });

  it.each(TASKS)('%s invokes the function of its task', (name) => {
    // payloadResponseOnly: the state's Resource is the function itself.
    expect(state(name).Resource).toBe(fakeArn(id(built.triage.functions[TASK_STATES[name]!].fn)));
  });

  it('assesses at most 5 instances at once and starts remediations one at a time', () => {
    expect(state(States.assessInstances)).toMatchObject({ Type: 'Map', MaxConcurrency: 5, ItemsPath: '$.facts.instanceIds' });
    expect(state(States.startRemediations)).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.assessment.remediations' });
  });

  it('goes straight to the report for failed attempts, our own starts and refused events (another account or region, no instance list); starts the other chunks of a large event first', () => {
    const route = state(States.routeEvent);
    expect(route.Default).toBe(States.routePrincipal);
    expect(route.Choices).toEqual([{
      Or: [
        { Variable: '$.facts.startedByUs', BooleanEquals: true },
        { Variable: '$.facts.attemptFailed', BooleanEquals: true },
        { Variable: '$.facts.refused', IsPresent: true },
      ],
      Next: States.buildTriageReport,
    }]);
    expect(state(States.routeChunks)).toEqual({
      Type: 'Choice', Choices: [{ Variable: '$.facts.childTriages[0]', IsPresent: true, Next: States.startChunkTriages }], Default: States.assessInstances,
    });
    expect(state(States.assessInstances).Next).toBe(States.buildTriageReport);
  });

  it('replaces the event by its facts: nothing after ParseStartEvent grows with the event', () => {
    expect(state(States.parseStartEvent)).toMatchObject({ Parameters: { 'event.$': '$$.Execution.Input' }, Next: States.initInstances });
    expect(state(States.parseStartEvent)).not.toHaveProperty('ResultPath');
    expect(state(States.initInstances)).toEqual({ Type: 'Pass', Parameters: { 'facts.$': '$', instances: [] }, Next: States.routeEvent });
  });

  it('starts the further chunks first, reading the event from the context and keeping no result', () => {
    expect(state(States.startChunkTriages)).toMatchObject({
      Type: 'Task', Parameters: { 'event.$': '$$.Execution.Input', 'parentExecution.$': '$$.Execution.Id' }, ResultPath: null, Next: States.assessInstances,
    });
  });

  it('before the assessments, starts contain-principal once for the event\'s principal unless there is none to contain or the policy decided report', () => {
    expect(state(States.routePrincipal)).toEqual({
      Type: 'Choice',
      Choices: [{
        And: [{ Variable: '$.facts.containment', IsPresent: true }, { Not: { Variable: '$.facts.containment.decision', StringEquals: 'report' } }],
        Next: States.startContainment,
      }],
      Default: States.routeIsolation,
    });
  });

  it('after the principal and before the assessments, isolates each instance of this execution unless there is no finding or the policy decided report', () => {
    expect(state(States.routeIsolation)).toEqual({
      Type: 'Choice',
      Choices: [{
        And: [{ Variable: '$.facts.isolation', IsPresent: true }, { Not: { Variable: '$.facts.isolation.decision', StringEquals: 'report' } }],
        Next: States.isolateInstances,
      }],
      Default: States.routeChunks,
    });
    const map = state(States.isolateInstances);
    expect([map.Type, map.ItemsPath, map.MaxConcurrency, map.ResultPath, map.Next]).toEqual(['Map', '$.facts.instanceIds', 5, '$.facts.isolationChildren', States.routeChunks]);
    expect(map.ItemSelector).toEqual({
      'instanceId.$': '$$.Map.Item.Value', 'isolation.$': '$.facts.isolation', 'principal.$': '$.facts.principal.arn', 'eventId.$': '$.facts.eventId',
      'parentExecution.$': '$$.Execution.Id', 'parentStartTime.$': '$$.Execution.StartTime',
    });
    expect(map.ItemProcessor?.StartAt).toBe(States.startIsolation);
  });

  it('StartIsolation starts isolate-instance for the instance under the case, with the trigger of the other children', () => {
    const task = state(States.startIsolation);
    expect(task.Parameters).toEqual({
      'workflow.$': '$.isolation.workflow', 'target.$': '$.instanceId', 'decision.$': '$.isolation.decision', 'caseId.$': '$.isolation.caseId',
      'parentStartTime.$': '$.parentStartTime',
      input: { trigger: { source: 'eventbridge', 'principal.$': '$.principal', 'eventId.$': '$.eventId', 'parentExecution.$': '$.parentExecution' } },
    });
    expect([task.Type, task.End, task.ResultPath]).toEqual(['Task', true, undefined]);
  });

  it('StartContainment names the case and the caller, and keeps the child in the facts for the report', () => {
    const task = state(States.startContainment);
    expect(task.Type).toBe('Task');
    expect(task.Parameters).toEqual({
      'workflow.$': '$.facts.containment.workflow', 'target.$': '$.facts.containment.target', 'decision.$': '$.facts.containment.decision',
      'caseId.$': '$.facts.containment.caseId', 'parentStartTime.$': '$$.Execution.StartTime', 'caller.$': '$.facts.containment.caller',
      input: { trigger: { source: 'eventbridge', 'principal.$': '$.facts.principal.arn', 'eventId.$': '$.facts.eventId', 'parentExecution.$': '$$.Execution.Id' } },
    });
    expect([task.ResultPath, task.Next]).toEqual(['$.facts.containmentChild', States.routeIsolation]);
  });

  it('starts a child unless the policy decided report', () => {
    expect(state(States.routeRemediation)).toMatchObject({
      Choices: [{ Not: { Variable: '$.remediation.decision', StringEquals: 'report' }, Next: States.startChild }],
      Default: States.reportOnly,
    });
  });

  it('is named remediation-triage-start-instances and times out after an hour', () => {
    expect(resources[triageMachineId]?.Properties).toMatchObject({ StateMachineName: 'remediation-triage-start-instances', StateMachineType: 'STANDARD' });
    expect(asl.TimeoutSeconds).toBe(3600);
  });
});

describe('the triage bundles', () => {
  let outdir: string;
  const calls = new Map<TriageTask, string[]>();
  const granted = new Map<TriageTask, string[]>();

  beforeAll(() => {
    // Triage alone, its child and our role imported; its handlers' bundles are the shared assembly's (nothing bundled again).
    outdir = mkdtempSync(path.join(os.tmpdir(), 'triage-infra-test-'));
    const app = new App({ outdir, context: { ...FEATURE_FLAGS, [cxapi.BUNDLING_STACKS]: [] } });
    const stack = new Stack(app, 'B', { env: ENV });
    const child = sfn.StateMachine.fromStateMachineArn(stack, 'Child', 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-encrypt-volumes');
    const ourRole = iam.Role.fromRoleArn(stack, 'Ours', 'arn:aws:iam::123456789012:role/start-instance');
    const triage = new RemediationWorkflow(stack, 'Triage', triageSpec, { children: { 'encrypt-volumes': child }, ourRoles: [ourRole] });
    const synthesized = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    for (const task of TRIAGE_TASKS) {
      const fn = synthesized[stack.getLogicalId(triage.functions[task].fn.node.defaultChild as CfnElement)]!;
      calls.set(task, sdkCallsOf(sharedBundleOf(String(fn.Metadata?.[HANDLER_METADATA]))));
      const roleId = stack.getLogicalId(triage.functions[task].role.node.defaultChild as CfnElement);
      granted.set(task, Object.values(synthesized)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .flatMap(actionsOf).filter((a) => !RUNTIME_ACTIONS.has(a)).sort());
    }
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it.each(TRIAGE_TASKS)('%s holds exactly the actions its bundle calls', (task) => {
    expect(granted.get(task)).toEqual(calls.get(task));
  });

  it('call what the policies expect', () => {
    expect(Object.fromEntries(calls)).toEqual({
      'parse-start-event': [],
      'start-chunk-triages': ['states:StartExecution'],
      'assess-instance': ['cloudwatch:DescribeAlarms', 'ec2:DescribeFlowLogs', 'ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes', 'ec2:GetEbsEncryptionByDefault'],
      'start-child': ['states:StartExecution'],
      'build-triage-report': [],
    });
  });
});
