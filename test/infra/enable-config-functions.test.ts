import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { enableConfigSpec, ENABLE_CONFIG_TASK_SPECS } from '../../infra/workflows/enable-config';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { ENABLE_CONFIG_TASKS, type EnableConfigTask } from '../../workflows/enable-config';
import { sdkCallsOf } from './bundle-calls';
import { expectLockFunction, LOCK_TASKS, lockTableId, lockTaskOf } from './kit-functions';
import type { LockTask } from '../../infra/kit/lock';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** Actions AWS checks on a call besides the call's own: PutConfigurationRecorder passes the recorder's role. */
const IMPLIED: Record<string, string[]> = { 'config:PutConfigurationRecorder': ['iam:PassRole'] };
const slr = `arn:aws:iam::${ENV.account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;

let outdir: string;
let template: Template;
/** The workflow's own tasks and the kit's (the lock) it gets beside them. */
type Task = EnableConfigTask | LockTask;
const TASKS: Task[] = [...ENABLE_CONFIG_TASKS, ...LOCK_TASKS];
const fns = new Map<Task, { statements: Statement[]; bundle: string; roleId: string }>();
const fn = (task: Task) => {
  const found = fns.get(task);
  if (!found) throw new Error(`no function for ${task}`);
  return found;
};

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'enable-config-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'EnableConfigBundles', { env: ENV });
  new RemediationWorkflow(stack, 'EnableConfig', enableConfigSpec, {});
  template = Template.fromStack(stack);
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const metadata = resource.Metadata ?? {};
    const task = ENABLE_CONFIG_TASKS.find((t) => ENABLE_CONFIG_TASK_SPECS[t].entry === metadata[HANDLER_METADATA]) ?? lockTaskOf(metadata[HANDLER_METADATA]);
    if (!task) throw new Error(`${logicalId} runs ${String(metadata[HANDLER_METADATA])}, which is no task`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = sharedBundleOf(String(metadata[HANDLER_METADATA]));
    fns.set(task, { statements, bundle, roleId });
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('there is one function per task', () => {
  expect([...fns.keys()].sort()).toEqual([...TASKS].sort());
});

describe.each(TASKS)('%s', (task) => {
  it('holds exactly the actions its bundle calls (plus what AWS checks on those calls)', () => {
    const { statements, bundle } = fn(task);
    const granted = statements.flatMap((s) => list(s.Action)).filter((a) => !RUNTIME_ACTIONS.has(a));
    const calls = sdkCallsOf(bundle);
    expect([...new Set(granted)].sort()).toEqual([...new Set([...calls, ...calls.flatMap((c) => IMPLIED[c] ?? [])])].sort());
  });

  it('is assumed by Lambda only, with no managed or inline policies', () => {
    const role = resourcesOf(template, 'AWS::IAM::Role')[fn(task).roleId];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });
});

describe.each(LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions, on the lock table, its own state machines\' executions and the lock tag', () => {
    expectLockFunction(task, fn(task), lockTableId(template));
  });
});

describe('resource scoping', () => {
  /** Each statement with the runtime's own actions (X-Ray, logs) taken out; CDK merges statements on the same resources. */
  const ownStatements = (task: EnableConfigTask): Statement[] => fn(task).statements
    .map((s) => {
      const actions = list(s.Action).filter((a) => !RUNTIME_ACTIONS.has(a));
      return { ...s, Action: actions.length === 1 ? actions[0]! : actions };
    })
    .filter((s) => list(s.Action).length > 0);

  it("IAM actions reach Config's service-linked role only, creation only for config.amazonaws.com", () => {
    expect(ownStatements('ensure-service-linked-role')).toEqual([
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: slr },
      { Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: slr, Condition: { StringEquals: { 'iam:AWSServiceName': 'config.amazonaws.com' } } },
    ]);
    expect(ownStatements('put-recorder')).toEqual([
      { Effect: 'Allow', Action: 'config:PutConfigurationRecorder', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: slr, Condition: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } } },
    ]);
  });

  it("Resource '*' only for Config actions, which have no resource-level permissions", () => {
    const onAny = ENABLE_CONFIG_TASKS.flatMap((t) => ownStatements(t)).filter((s) => list(s.Resource).includes('*'));
    expect(onAny.length).toBeGreaterThan(0);
    for (const s of onAny) expect(list(s.Action).filter((a) => !a.startsWith('config:'))).toEqual([]);
  });

  it('no function can read or write the delivery bucket\'s objects (only Config can); verify may only list the bucket itself', () => {
    const s3 = ENABLE_CONFIG_TASKS.flatMap((t) => ownStatements(t).filter((s) => list(s.Action).some((a) => a.startsWith('s3:'))).map((s) => ({ task: t, actions: list(s.Action), resources: list(s.Resource) })));
    expect(s3).toEqual([{ task: 'check-recording', actions: ['s3:ListBucket'], resources: [{ 'Fn::GetAtt': [expect.stringMatching(/^EnableConfigBucket/), 'Arn'] }] }]);
  });
});
