import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { HIGH_CPU_TASK_SPECS } from '../../infra/workflows/high-cpu';
import { LOCK_TASKS, PLAN_CHECK_TASKS, expectLockFunction, kitTaskOf, lockTableId, planCheckTaskOf } from './kit-functions';
import { sdkCallsOf } from './bundle-calls';
import { resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';

// GIVEN the stack's bundled assembly (shared by the run), WHEN each high-cpu function's bundle is read,
// THEN its role holds exactly the actions its bundle calls (plus what AWS checks on those calls).
interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** Actions AWS checks on a call besides the call's own: PutMetricAlarm with Tags tags the new alarm. */
const IMPLIED: Record<string, string[]> = { 'cloudwatch:PutMetricAlarm': ['cloudwatch:TagResource'] };

let synth: SharedBundled;
const fns = new Map<string, { statements: Statement[]; bundle: string }>();

beforeAll(() => {
  synth = sharedBundledTemplate();
  const assembly = synth.assemblyDir;
  const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    if (!logicalId.startsWith('HighCpu')) continue;
    const entry = resource.Metadata?.[HANDLER_METADATA];
    const task = Object.entries(HIGH_CPU_TASK_SPECS).find(([, spec]) => spec.entry === entry)?.[0] ?? kitTaskOf(entry) ?? planCheckTaskOf(entry);
    if (!task) throw new Error(`${logicalId} runs ${String(entry)}, which is no high-cpu or kit task`);
    if (fns.has(task)) throw new Error(`${logicalId}: a second function for ${task}`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = readFileSync(path.join(assembly, String(resource.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8');
    fns.set(task, { statements, bundle });
  }
});

const TASKS = Object.keys(HIGH_CPU_TASK_SPECS);

it('there is one function per task, the kit\'s lock and plan check beside them', () => {
  expect([...fns.keys()].sort()).toEqual([...TASKS, ...LOCK_TASKS, ...PLAN_CHECK_TASKS].sort());
});

describe.each(TASKS)('%s', (task) => {
  it('holds exactly the actions its bundle calls (plus what AWS checks on those calls)', () => {
    const { statements, bundle } = fns.get(task)!;
    // KMS use EC2 makes on the caller's behalf at a start (kms:ViaService) is no call of the bundle.
    const granted = statements.filter((s) => s.Effect === 'Allow' && !s.Condition?.StringEquals?.['kms:ViaService'])
      .flatMap((s) => list(s.Action)).filter((a) => !RUNTIME_ACTIONS.has(a));
    const calls = sdkCallsOf(bundle);
    expect([...new Set(granted)].sort()).toEqual([...new Set([...calls, ...calls.flatMap((c) => IMPLIED[c] ?? [])])].sort());
  });
});

describe.each(LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions', () => {
    expectLockFunction(task, fns.get(task)!, lockTableId(synth.template));
  });
});

it('notifies only through the stack\'s notifications topic, whose policy admits CloudWatch for our alarms by name prefix only', () => {
  const env = (resourcesOf(synth.template, 'AWS::Lambda::Function')[[...Object.keys(resourcesOf(synth.template, 'AWS::Lambda::Function'))]
    .find((id) => id.startsWith('HighCpupreflight'))!]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const topicId = (env.HIGH_CPU_ALARM_TOPIC_ARN as { Ref: string }).Ref;
  expect(topicId).toMatch(/^AuditNotifications/);
  expect(env.HIGH_CPU_COOLDOWN_HOURS).toBe('24');
  const policy = Object.values(resourcesOf(synth.template, 'AWS::SNS::TopicPolicy')).find((p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: topicId }]));
  const statements = (policy?.Properties.PolicyDocument as { Statement: (Statement & { Sid?: string })[] }).Statement;
  expect(statements.find((s) => s.Sid === 'WorkflowAlarmsPublish')).toEqual({
    Sid: 'WorkflowAlarmsPublish', Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Resource: { Ref: topicId },
    Condition: { ArnLike: { 'aws:SourceArn': ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:remediation-high-cpu-*'] }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
  });
});
