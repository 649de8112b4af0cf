import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { enableCloudTrailSpec, ENABLE_CLOUDTRAIL_TASK_SPECS } from '../../infra/workflows/enable-cloudtrail';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { ENABLE_CLOUDTRAIL_TASKS, type EnableCloudTrailTask } from '../../workflows/enable-cloudtrail';
import { sdkCallsOf } from './bundle-calls';
import { expectLockFunction, LOCK_TASKS, lockTableId, lockTaskOf } from './kit-functions';
import type { LockTask } from '../../infra/kit/lock';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** IAM actions a call needs besides its own name: CreateTrail with TagsList also needs cloudtrail:AddTags. */
const IMPLIED: Record<string, string[]> = { 'cloudtrail:CreateTrail': ['cloudtrail:AddTags'] };

const OWN_TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/remediation-trail';
const ANY_TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/*';
const ANY_REGION_TRAIL = 'arn:aws:cloudtrail:*:123456789012:trail/*';

let outdir: string;
let tableId: string;
/** The workflow's own tasks and the kit's (the lock) it gets beside them. */
type Task = EnableCloudTrailTask | LockTask;
const TASKS: Task[] = [...ENABLE_CLOUDTRAIL_TASKS, ...LOCK_TASKS];
const fns = new Map<Task, { statements: Statement[]; bundle: string }>();
const fn = (task: Task) => {
  const found = fns.get(task);
  if (!found) throw new Error(`no function for ${task}`);
  return found;
};
/** Each task's handler statements, action -> resources. */
const grantsOf = (task: Task): Record<string, unknown[]> => {
  const grants: Record<string, unknown[]> = {};
  for (const s of fn(task).statements) {
    for (const action of list(s.Action)) if (!RUNTIME_ACTIONS.has(action)) grants[action] = [...(grants[action] ?? []), ...list(s.Resource)];
  }
  return grants;
};

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'remediation-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'CloudTrailFunctions', { env: ENV });
  new RemediationWorkflow(stack, 'EnableCloudTrail', enableCloudTrailSpec, {});
  const template = Template.fromStack(stack);
  tableId = lockTableId(template);
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const metadata = resource.Metadata ?? {};
    const task = ENABLE_CLOUDTRAIL_TASKS.find((t) => ENABLE_CLOUDTRAIL_TASK_SPECS[t].entry === metadata[HANDLER_METADATA]) ?? lockTaskOf(metadata[HANDLER_METADATA]);
    if (!task) throw new Error(`${logicalId} runs ${String(metadata[HANDLER_METADATA])}, which is no task`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = sharedBundleOf(String(metadata[HANDLER_METADATA]));
    fns.set(task, { statements, bundle });
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('there is one function per task', () => {
  expect([...fns.keys()].sort()).toEqual([...TASKS].sort());
});

describe.each(TASKS)('%s', (task) => {
  it('holds exactly the actions its bundle calls (and what those calls imply)', () => {
    const calls = sdkCallsOf(fn(task).bundle);
    const needed = [...new Set(calls.flatMap((c) => [c, ...(IMPLIED[c] ?? [])]))].sort();
    expect(Object.keys(grantsOf(task)).sort()).toEqual(needed);
  });

  it('only allows, never a wildcard action, never another account\'s resources', () => {
    for (const s of fn(task).statements) {
      expect(s.Effect).toBe('Allow');
      expect(list(s.Action).filter((a) => a.includes('*'))).toEqual([]);
      for (const resource of list(s.Resource).map((r) => JSON.stringify(r))) expect(resource).not.toMatch(/:cloudtrail:[^:]*:\*:|:kms:[^:]*:\*:/);
    }
  });
});

describe.each(LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions, on the lock table, its own state machines\' executions and the lock tag', () => {
    expectLockFunction(task, fn(task), tableId);
  });
});

describe('resource scoping', () => {
  it('creates, updates and tags only the stack\'s own trail', () => {
    expect(grantsOf('ensure-trail')).toEqual({
      'cloudtrail:CreateTrail': [OWN_TRAIL], 'cloudtrail:AddTags': [OWN_TRAIL], 'cloudtrail:UpdateTrail': [OWN_TRAIL],
      'cloudtrail:GetTrail': [OWN_TRAIL], 'cloudtrail:GetTrailStatus': [OWN_TRAIL], 'cloudtrail:GetEventSelectors': [OWN_TRAIL],
    });
  });

  it('starts logging and merges selectors on trails of this account and region only', () => {
    expect(grantsOf('start-logging')).toEqual({ 'cloudtrail:GetTrailStatus': [ANY_TRAIL], 'cloudtrail:StartLogging': [ANY_TRAIL] });
    expect(grantsOf('put-event-selectors')).toEqual({ 'cloudtrail:GetEventSelectors': [ANY_TRAIL], 'cloudtrail:PutEventSelectors': [ANY_TRAIL] });
  });

  it('preflight reads: DescribeTrails on * (no resource-level support), trails of any region, bucket locations, keys', () => {
    expect(Object.fromEntries(Object.entries(grantsOf('preflight')).map(([a, r]) => [a, [...r].sort()]))).toEqual({
      'cloudtrail:DescribeTrails': ['*'],
      'cloudtrail:GetTrail': [ANY_REGION_TRAIL], 'cloudtrail:GetTrailStatus': [ANY_REGION_TRAIL], 'cloudtrail:GetEventSelectors': [ANY_REGION_TRAIL],
      's3:GetBucketLocation': ['arn:aws:s3:::*'],
      'kms:DescribeKey': ['arn:aws:kms:us-east-1:123456789012:alias/*', 'arn:aws:kms:us-east-1:123456789012:key/*'],
    });
  });

  it('verify only reads', () => {
    expect(Object.keys(grantsOf('verify-trail')).sort()).toEqual(['cloudtrail:GetEventSelectors', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus']);
  });

  it('validate-input and build-report call nothing', () => {
    expect(grantsOf('validate-input')).toEqual({});
    expect(grantsOf('build-report')).toEqual({});
  });
});
