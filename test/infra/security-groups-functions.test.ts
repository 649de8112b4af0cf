import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { RESTORE_TASK_SPECS, restoreSecurityGroupsSpec } from '../../infra/workflows/restore-security-groups';
import { RESTRICT_TASK_SPECS, restrictSecurityGroupsSpec } from '../../infra/workflows/restrict-security-groups';
import type { KitTask } from '../../infra/kit/lock';
import { sdkCallsOf } from './bundle-calls';
import { RESOURCE_LOCK_TASKS, expectLockFunction, kitTaskOf, lockTableId } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** Actions AWS checks on a call besides the call's own: an Authorize with TagSpecifications tags the new rule. */
const IMPLIED: Record<string, string[]> = {
  'ec2:AuthorizeSecurityGroupIngress': ['ec2:CreateTags'], 'ec2:AuthorizeSecurityGroupEgress': ['ec2:CreateTags'],
};
const SPECS = { RestrictSecurityGroups: RESTRICT_TASK_SPECS, RestoreSecurityGroups: RESTORE_TASK_SPECS } as const;
type Prefix = keyof typeof SPECS;

let outdir: string;
let template: Template;
const fns = new Map<string, { statements: Statement[]; bundle: string; kit?: KitTask }>();
const key = (prefix: Prefix, task: string) => `${prefix}/${task}`;

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'security-groups-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'SecurityGroupBundles', { env: ENV });
  new RemediationWorkflow(stack, 'RestrictSecurityGroups', restrictSecurityGroupsSpec, {});
  new RemediationWorkflow(stack, 'RestoreSecurityGroups', restoreSecurityGroupsSpec, {});
  template = Template.fromStack(stack);
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const [logicalId, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const entry = resource.Metadata?.[HANDLER_METADATA];
    const prefix = (Object.keys(SPECS) as Prefix[]).find((p) => logicalId.startsWith(p));
    if (!prefix) continue;
    const own = Object.entries(SPECS[prefix]).find(([, spec]) => spec.entry === entry)?.[0];
    const kit = kitTaskOf(entry);
    if (!own && !kit) throw new Error(`${logicalId} runs ${String(entry)}, which is no task`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const bundle = sharedBundleOf(String(entry));
    fns.set(key(prefix, own ?? (kit as string)), { statements, bundle, ...(kit ? { kit } : {}) });
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const TASKS: [Prefix, string][] = (Object.keys(SPECS) as Prefix[]).flatMap((p) => Object.keys(SPECS[p]).map((t): [Prefix, string] => [p, t]));

it('there is one function per task, and the kit\'s lock functions (with LockResources) beside them', () => {
  expect([...fns.keys()].sort()).toEqual([...TASKS.map(([p, t]) => key(p, t)), ...(Object.keys(SPECS) as Prefix[]).flatMap((p) => RESOURCE_LOCK_TASKS.map((t) => key(p, t)))].sort());
});

describe.each(TASKS)('%s %s', (prefix, task) => {
  it('holds exactly the actions its bundle calls (plus what AWS checks on those calls)', () => {
    const { statements, bundle } = fns.get(key(prefix, task))!;
    const granted = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !RUNTIME_ACTIONS.has(a));
    const calls = sdkCallsOf(bundle);
    expect([...new Set(granted)].sort()).toEqual([...new Set([...calls, ...calls.flatMap((c) => IMPLIED[c] ?? [])])].sort());
  });
});

describe.each(Object.keys(SPECS) as Prefix[])('the kit\'s lock functions of %s', (prefix) => {
  it.each(RESOURCE_LOCK_TASKS)('%s holds exactly the lock\'s actions', (task) => {
    expectLockFunction(task, fns.get(key(prefix, task))!, lockTableId(template));
  });
});

describe('the case table', () => {
  it('is on demand, point-in-time recoverable, encrypted and retained, keyed by execution and group', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'restrictExecution', KeyType: 'HASH' }, { AttributeName: 'groupId', KeyType: 'RANGE' }] } }));
    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatchObject({
      DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      Properties: { BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, SSESpecification: { SSEEnabled: true } },
    });
  });

  it('only save-rules writes it, the restore planning reads it, the rollback marks its groups rolled back', () => {
    const tableActions = (prefix: Prefix, task: string) => fns.get(key(prefix, task))!.statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('dynamodb:'));
    expect(TASKS.filter(([p, t]) => tableActions(p, t).length > 0).map(([p, t]) => [p, t, tableActions(p, t)])).toEqual([
      ['RestrictSecurityGroups', 'save-rules', ['dynamodb:PutItem']],
      ['RestrictSecurityGroups', 'finish-rollback', ['dynamodb:UpdateItem']],
      ['RestoreSecurityGroups', 'validate-restore-input', ['dynamodb:Query']],
      ['RestoreSecurityGroups', 'plan-restore', ['dynamodb:Query']],
    ]);
  });
});
