import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ENCRYPT_VOLUMES_TASK_SPECS } from '../../infra/workflows/encrypt-volumes';
import { HANDLER_METADATA, POWERTOOLS_LAYER_PARAMETER, PROJECT_ROOT } from '../../infra/constructs/task-function';
import { ENCRYPT_VOLUMES_TASKS, type EncryptVolumesTask } from '../../workflows/encrypt-volumes';
import { resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';
import { sdkCallsOf } from './bundle-calls';
import { expectLockFunction, RESOURCE_LOCK_TASKS, kitTaskOf, lockTableId, PLAN_CHECK_TASKS, planCheckTaskOf } from './kit-functions';
import type { KitTask } from '../../infra/kit/lock';
import type { PlanCheckTask } from '../../infra/kit/plan-check';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface TaskFunctionUnderTest {
  logicalId: string;
  properties: Record<string, unknown>;
  metadata: Record<string, unknown>;
  roleId: string;
  statements: Statement[];
  bundle: string;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const actionsOf = (s: Statement): string[] => list(s.Action);
const conditionValue = (s: Statement, key: string): unknown => s.Condition?.StringEquals?.[key];

// Granted to every function for the runtime itself (logs, tracing), not for the handler's calls.
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
let synth: SharedBundled;
/** The workflow's own tasks and the kit's (the lock, the plan check after an approval) it gets beside them. */
type Task = EncryptVolumesTask | KitTask | PlanCheckTask;
const TASKS: Task[] = [...ENCRYPT_VOLUMES_TASKS, ...RESOURCE_LOCK_TASKS, ...PLAN_CHECK_TASKS];
const fns = new Map<Task, TaskFunctionUnderTest>();
const fn = (task: Task): TaskFunctionUnderTest => {
  const found = fns.get(task);
  if (!found) throw new Error(`no function for ${task}`);
  return found;
};
/** Every statement of the encrypt-volumes task roles, its kit functions included (other workflows have tests of their own). */
const allStatements = (): Statement[] => [...fns.values()].flatMap((f) => f.statements);

beforeAll(() => {
  synth = sharedBundledTemplate();
  const assembly = synth.assemblyDir;
  const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    const metadata = resource.Metadata ?? {};
    // The encrypt-volumes functions; the other workflows' functions have tests of their own.
    if (!logicalId.startsWith('EncryptVolumes')) continue;
    const task = ENCRYPT_VOLUMES_TASKS.find((t) => ENCRYPT_VOLUMES_TASK_SPECS[t].entry === metadata[HANDLER_METADATA])
      ?? kitTaskOf(metadata[HANDLER_METADATA]) ?? planCheckTaskOf(metadata[HANDLER_METADATA]);
    if (!task) throw new Error(`${logicalId} runs ${String(metadata[HANDLER_METADATA])}, which is no encrypt-volumes or kit task`);
    if (fns.has(task)) throw new Error(`${logicalId}: a second function for ${task}`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = readFileSync(path.join(assembly, String(metadata[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8');
    fns.set(task, { logicalId, properties: resource.Properties, metadata, roleId, statements, bundle });
  }
});

it('there is one function per task', () => {
  expect([...fns.keys()].sort()).toEqual([...TASKS].sort());
});

describe.each(TASKS)('%s', (task) => {
  it('runs Node 22 on arm64 with tracing and source maps', () => {
    expect(fn(task).properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('has the Powertools layer from its SSM parameter', () => {
    const layers = fn(task).properties.Layers as { Ref: string }[];
    expect(layers).toHaveLength(1);
    expect(synth.template.toJSON().Parameters[layers[0]!.Ref]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>', Default: POWERTOOLS_LAYER_PARAMETER,
    });
  });

  it('logs to its own log group, with retention, and may write only there', () => {
    const { Ref: logGroupId } = (fn(task).properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup;
    const logGroup = resourcesOf(synth.template, 'AWS::Logs::LogGroup')[logGroupId];
    expect(logGroup?.Properties.RetentionInDays).toBe(180);
    const others = [...fns.values()].filter((f) => f !== fn(task));
    expect(others.map((f) => (f.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref)).not.toContain(logGroupId);
    const logStatements = fn(task).statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(logStatements).toEqual([{
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }, ':log-stream:*']] }],
    }]);
  });

  it('names its handler file under tasks/ in metadata', () => {
    const handler = String(fn(task).metadata[HANDLER_METADATA]);
    expect(handler).toMatch(/^tasks\/[a-z-]+\/[a-z-]+\.ts$/);
    expect(existsSync(path.join(PROJECT_ROOT, handler))).toBe(true);
  });

  it('holds exactly the actions its bundle calls', () => {
    const { statements, bundle } = fn(task);
    const granted = new Set<string>();
    // Deny statements grant nothing (iam-simulation.test.ts proves what they refuse).
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      for (const action of actionsOf(statement)) {
        if (RUNTIME_ACTIONS.has(action)) continue;
        // KMS use EC2/EBS make on the caller's behalf (checked below), and tagging on create.
        if (action.startsWith('kms:') && conditionValue(statement, 'kms:ViaService') !== undefined) continue;
        if (action === 'ec2:CreateTags' && conditionValue(statement, 'ec2:CreateAction') !== undefined) continue;
        granted.add(action);
      }
    }
    expect([...granted].sort()).toEqual(sdkCallsOf(bundle));
  });

  it('tags on create only for creations it calls', () => {
    const calls = sdkCallsOf(fn(task).bundle);
    const tagOnCreate = fn(task).statements.filter((s) => conditionValue(s, 'ec2:CreateAction') !== undefined);
    for (const statement of tagOnCreate) {
      expect(actionsOf(statement)).toEqual(['ec2:CreateTags']);
      expect(calls).toContain(`ec2:${String(conditionValue(statement, 'ec2:CreateAction'))}`);
    }
  });

  it('has no managed or inline policies besides its own', () => {
    const role = resourcesOf(synth.template, 'AWS::IAM::Role')[fn(task).roleId];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });
});

describe.each(RESOURCE_LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions, on the lock table, its own state machines\' executions and the lock tag', () => {
    expectLockFunction(task, fn(task), lockTableId(synth.template));
  });
});

describe.each(PLAN_CHECK_TASKS)('the kit\'s %s', (task) => {
  it('calls no AWS API and holds no action but its runtime\'s', () => {
    expect(sdkCallsOf(fn(task).bundle)).toEqual([]);
    expect(fn(task).statements.flatMap(actionsOf).filter((a) => !RUNTIME_ACTIONS.has(a))).toEqual([]);
  });
});

describe('statements', () => {
  it('are Allow, or Deny on what is excluded or an instance attribute besides the block devices; never a wildcard action, NotAction or NotResource', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => 'NotAction' in s || 'NotResource' in s)).toEqual([]);
    expect(statements.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
    const denies = statements.filter((s) => s.Effect !== 'Allow');
    expect(denies.length).toBeGreaterThan(0);
    const denyConditionKeys = denies.map((s) => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c)));
    expect(denyConditionKeys.filter((keys) => !(keys.length === 1 && /^(aws:ResourceTag\/remediation:exclude|ec2:Attribute\/[A-Za-z]+)$/.test(keys[0]!)))).toEqual([]);
  });

  it('mutate instances and volumes only where they carry the lock tag, or are created', () => {
    const onInstancesOrVolumes = allStatements().filter((s) => s.Effect === 'Allow' && list(s.Resource).some((r) => typeof r === 'string' && /:(instance|volume)\/\*$/.test(r)));
    expect(onInstancesOrVolumes.length).toBeGreaterThan(0);
    const unconditioned = onInstancesOrVolumes.filter((s) => s.Condition?.Null?.['aws:ResourceTag/remediation:lock'] !== 'false'
      && s.Condition?.Null?.['aws:TagKeys'] !== 'false' && s.Condition?.StringEquals?.['ec2:CreateAction'] === undefined
      && s.Condition?.Bool?.['ec2:Encrypted'] !== 'true' && s.Condition?.StringEquals?.['aws:ResourceTag/remediation:workflow'] === undefined);
    expect(unconditioned).toEqual([]);
  });

  it('use KMS keys without kms:ViaService only to describe them', () => {
    const direct = allStatements().filter((s) => conditionValue(s, 'kms:ViaService') === undefined).flatMap(actionsOf);
    expect(direct.filter((a) => a.startsWith('kms:'))).toEqual(['kms:DescribeKey']);
  });

  it('let EC2 or EBS use keys only in this region, for this account\'s keys', () => {
    const via = allStatements().filter((s) => conditionValue(s, 'kms:ViaService') !== undefined);
    expect(via.length).toBeGreaterThan(0);
    for (const statement of via) {
      expect(actionsOf(statement).every((a) => a.startsWith('kms:'))).toBe(true);
      expect(['ec2.us-east-1.amazonaws.com', 'ebs.us-east-1.amazonaws.com']).toContain(conditionValue(statement, 'kms:ViaService'));
      expect(statement.Resource).toBe('arn:aws:kms:us-east-1:123456789012:key/*');
    }
  });

  it('delete only snapshots tagged as this workflow\'s', () => {
    const deleting = allStatements().filter((s) => actionsOf(s).includes('ec2:DeleteSnapshot'));
    expect(deleting).toEqual([{
      Effect: 'Allow',
      Action: 'ec2:DeleteSnapshot',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes' } },
    }]);
  });
});
