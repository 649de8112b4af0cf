import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { INVESTIGATE_TRAFFIC_TASK_SPECS } from '../../infra/workflows/investigate-traffic';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { INVESTIGATE_TRAFFIC_TASKS, States, type InvestigateTrafficTask } from '../../workflows/investigate-traffic';
import { sdkCallsOf } from './bundle-calls';
import { fakeArn, parseStateMachine, stateNamed, type ParsedStateMachine } from './definition';
import { resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const NOT_SDK_CALLS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
const EXPECTED_RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];

let synth: SharedBundled;
let machine: ParsedStateMachine;
const functions = new Map<InvestigateTrafficTask, { logicalId: string; statements: Statement[]; properties: Record<string, unknown>; bundle: string }>();
const fn = (task: InvestigateTrafficTask) => functions.get(task) ?? (() => { throw new Error(`no function for ${task}`); })();
/** The task's statements without the runtime's actions (own logs, tracing), resources sorted. */
const granted = (task: InvestigateTrafficTask) => fn(task).statements
  .map((s) => {
    const actions = list(s.Action).filter((a) => !NOT_SDK_CALLS.has(a));
    const resource = Array.isArray(s.Resource) ? [...s.Resource].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : s.Resource;
    return { ...s, Action: actions.length === 1 ? actions[0] : actions, Resource: resource };
  })
  .filter((s) => list(s.Action).length > 0);

beforeAll(() => {
  synth = sharedBundledTemplate();
  const assembly = synth.assemblyDir;
  machine = parseStateMachine(synth.template, 'remediation-investigate-traffic');
  const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    const task = INVESTIGATE_TRAFFIC_TASKS.find((t) => INVESTIGATE_TRAFFIC_TASK_SPECS[t].entry === resource.Metadata?.[HANDLER_METADATA]);
    if (!task) continue;
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = readFileSync(path.join(assembly, String(resource.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8');
    functions.set(task, { logicalId, statements, properties: resource.Properties, bundle });
  }
});

describe('investigate-traffic state machine', () => {
  it('is a Standard JSONPath machine with a 30-minute timeout, unlocked: ValidateInput first, no lock states', () => {
    expect(machine.asl).toMatchObject({ StartAt: States.validateInput, TimeoutSeconds: 1800, QueryLanguage: 'JSONPath' });
    expect(machine.properties).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true } });
    expect([...machine.states.keys()].sort()).toEqual(['AnalyseTraffic', 'BuildReport', 'Done', 'InitWork', 'PlanInvestigation', 'RouteByBlock', 'RouteByPlan', 'StartBlock', 'ValidateInput']);
  });

  it('routes a plan past the analysis, and a PROCEED through it', () => {
    expect(stateNamed(machine.states, States.routeByPlan)).toEqual({
      Type: 'Choice',
      Choices: [{ Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport }],
      Default: States.analyseTraffic,
    });
    expect(stateNamed(machine.states, States.planInvestigation).Next).toBe(States.initWork);
  });

  it('AnalyseTraffic: the request and plan in, the summary at $.work.traffic, 6-minute timeout, transient and timeout retries only', () => {
    expect(stateNamed(machine.states, States.analyseTraffic)).toEqual({
      Type: 'Task',
      Resource: fakeArn(fn('analyse-traffic').logicalId),
      Parameters: { 'request.$': '$.request', 'plan.$': '$.plan' },
      ResultPath: '$.work.traffic',
      TimeoutSeconds: 360,
      Retry: EXPECTED_RETRY,
      Next: States.routeByBlock,
    });
  });

  it('after the analysis, a block request goes to StartBlock; none goes straight to the report', () => {
    expect(stateNamed(machine.states, States.routeByBlock)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.plan.block', IsPresent: true, Next: States.startBlock }],
      Default: States.buildReport,
    });
  });

  it('StartBlock: request, execution and plan in, the started block at $.work.block, transient and timeout retries only', () => {
    expect(stateNamed(machine.states, States.startBlock)).toEqual({
      Type: 'Task',
      Resource: fakeArn(fn('start-block').logicalId),
      Parameters: { 'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan' },
      ResultPath: '$.work.block',
      TimeoutSeconds: 60,
      Retry: EXPECTED_RETRY,
      Next: States.buildReport,
    });
  });

  it('every task has the transient retry and a timeout, never States.ALL', () => {
    for (const name of [States.validateInput, States.planInvestigation, States.startBlock, States.buildReport]) {
      expect({ name, retry: stateNamed(machine.states, name).Retry, timeout: stateNamed(machine.states, name).TimeoutSeconds }).toEqual({ name, retry: EXPECTED_RETRY, timeout: 60 });
    }
  });
});

describe('investigate-traffic functions', () => {
  it.each(INVESTIGATE_TRAFFIC_TASKS)('%s holds exactly the actions its bundle calls', (task) => {
    const actions = [...new Set(granted(task).flatMap((s) => list(s.Action)).filter((a) => !NOT_SDK_CALLS.has(a)))].sort();
    expect(actions).toEqual(sdkCallsOf(fn(task).bundle));
  });

  it('plan-investigation only describes (no resource-level permissions exist for these)', () => {
    expect(granted('plan-investigation')).toEqual([
      { Effect: 'Allow', Action: ['ec2:DescribeFlowLogs', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules'], Resource: '*' },
    ]);
  });

  it('analyse-traffic reads only the flow-log group and the flow-log bucket\'s AWSLogs/ keys, with a 5-minute function timeout', () => {
    const statements = granted('analyse-traffic');
    const bucket = Object.keys(resourcesOf(synth.template, 'AWS::S3::Bucket')).find((id) => id.startsWith('EnableFlowLogsFlowLogsBucket')) as string;
    const group = Object.keys(resourcesOf(synth.template, 'AWS::Logs::LogGroup')).find((id) => id.startsWith('EnableFlowLogsFlowLogsGroup')) as string;
    const bucketArn = { 'Fn::GetAtt': [bucket, 'Arn'] };
    const keys = (k: string) => ({ 'Fn::Join': ['', [bucketArn, `/${k}`]] });
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: { 'Fn::GetAtt': [group, 'Arn'] } },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['AWSLogs/*', '*/AWSLogs/*'] } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [keys('*/AWSLogs/*'), keys('AWSLogs/*')] },
    ]));
    expect(statements).toHaveLength(3);
    expect(fn('analyse-traffic').properties.Timeout).toBe(300);
  });

  it('start-block may start block-source-ip\'s state machine only, named by the environment it reads', () => {
    const blockMachine = Object.entries(resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine'))
      .find(([, r]) => r.Properties.StateMachineName === 'remediation-block-source-ip')?.[0] as string;
    expect(granted('start-block')).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: blockMachine } }]);
    expect(fn('start-block').properties.Environment).toMatchObject({ Variables: { BLOCK_STATE_MACHINE_ARN: { Ref: blockMachine } } });
  });

  it.each(['validate-investigate-input', 'build-investigation-report'] as const)('%s calls no AWS API', (task) => {
    expect(granted(task)).toEqual([]);
    expect(sdkCallsOf(fn(task).bundle)).toEqual([]);
  });
});
