import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { CLOSE_CASE_TASK_SPECS } from '../../infra/workflows/close-case';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { ENV, resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';

// GIVEN the synthesized RemediationStack (the shared bundled assembly), WHEN IAM (@cloud-copilot/iam-simulate) sees one
// request of a close-case role, THEN it sets only the two closure tags, only on forensic snapshots (remediation:case),
// never on one on hold; it reads the case table and changes it never; each role holds exactly what its bundle calls.
const { account: A, region: R } = ENV;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const FORENSIC = { 'aws:ResourceTag/remediation:case': 'case-7', 'aws:ResourceTag/remediation:workflow': 'isolate-instance' };
const TAG_KEYS = (...keys: string[]) => ({ 'aws:TagKeys': keys });
const RUNTIME = /^(logs:(CreateLogStream|PutLogEvents)|xray:.*)$/;
const TABLE = 'arn:aws:dynamodb:<principal case table>';

type Case = [what: string, request: Request, expected: Decision];
const tag = (context: Request['context']): Request => ({ action: 'ec2:CreateTags', resource: SNAPSHOT, context });
const CLOSE_CASES: Case[] = [
  ['CreateTags case-closed and retain-until on a forensic snapshot', tag({ ...FORENSIC, ...TAG_KEYS('remediation:case-closed', 'remediation:retain-until') }), 'Allowed'],
  ['CreateTags retain-until alone on a forensic snapshot', tag({ ...FORENSIC, ...TAG_KEYS('remediation:retain-until') }), 'Allowed'],
  ['CreateTags on a snapshot that is not forensic (no remediation:case)', tag({ 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes', ...TAG_KEYS('remediation:case-closed', 'remediation:retain-until') }), 'ImplicitlyDenied'],
  ['CreateTags of another key (remediation:hold) on a forensic snapshot', tag({ ...FORENSIC, ...TAG_KEYS('remediation:case-closed', 'remediation:hold') }), 'ImplicitlyDenied'],
  ['CreateTags of the case key itself', tag({ ...FORENSIC, ...TAG_KEYS('remediation:case') }), 'ImplicitlyDenied'],
  ['CreateTags without naming keys', tag({ ...FORENSIC }), 'ImplicitlyDenied'],
  ['CreateTags on a forensic snapshot on hold', tag({ ...FORENSIC, 'aws:ResourceTag/remediation:hold': 'TRUE', ...TAG_KEYS('remediation:case-closed', 'remediation:retain-until') }), 'ExplicitlyDenied'],
  ['CreateTags on a forensic snapshot in another region', { ...tag({ ...FORENSIC, ...TAG_KEYS('remediation:case-closed') }), resource: SNAPSHOT.replace(R, 'eu-west-1') }, 'ImplicitlyDenied'],
  ['CreateTags on an instance', { ...tag({ ...FORENSIC, ...TAG_KEYS('remediation:case-closed') }), resource: `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0` }, 'ImplicitlyDenied'],
  ['DeleteTags on a forensic snapshot', { action: 'ec2:DeleteTags', resource: SNAPSHOT, context: { ...FORENSIC, ...TAG_KEYS('remediation:case-closed') } }, 'ImplicitlyDenied'],
  ['DeleteSnapshot of a forensic snapshot', { action: 'ec2:DeleteSnapshot', resource: SNAPSHOT, context: FORENSIC }, 'ImplicitlyDenied'],
];
const PLAN_CASES: Case[] = [
  ['GetItem on the principal case table', { action: 'dynamodb:GetItem', resource: TABLE }, 'Allowed'],
  ['PutItem on the principal case table', { action: 'dynamodb:PutItem', resource: TABLE }, 'ImplicitlyDenied'],
  ['GetItem on another table', { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:${R}:${A}:table/Locks` }, 'ImplicitlyDenied'],
  ['CreateTags on a forensic snapshot (the plan changes nothing)', tag({ ...FORENSIC, ...TAG_KEYS('remediation:case-closed') }), 'ImplicitlyDenied'],
];
const E = (task: keyof typeof CLOSE_CASE_TASK_SPECS) => CLOSE_CASE_TASK_SPECS[task].entry;

let synth: SharedBundled;
let roles: Map<string, RolePolicy>;
let tableArn: string;
const bundles = new Map<string, string>();
const roleOf = (entry: string): RolePolicy => {
  const role = roles.get(entry);
  if (!role) throw new Error(`no close-case function runs ${entry}`);
  return role;
};

beforeAll(() => {
  synth = sharedBundledTemplate();
  const entries = Object.values(CLOSE_CASE_TASK_SPECS).map((s) => s.entry);
  roles = rolePoliciesByEntry(synth.template, 'CloseCase', entries);
  const tables = Object.keys(resourcesOf(synth.template, 'AWS::DynamoDB::Table')).filter((id) => id.startsWith('PrincipalCases'));
  expect(tables).toHaveLength(1);
  tableArn = `arn:aws:dynamodb:${R}:${A}:table/${tables[0]!}`;
  const assembly = synth.assemblyDir;
  for (const [logicalId, fn] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    const entry = String(fn.Metadata?.[HANDLER_METADATA]);
    if (!logicalId.startsWith('CloseCase') || !entries.includes(entry)) continue;
    bundles.set(entry, readFileSync(path.join(assembly, String(fn.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8'));
  }
});

describe.each([[E('close-snapshots'), CLOSE_CASES], [E('plan-closure'), PLAN_CASES]] as const)('IAM decides for the role of %s', (entry, cases) => {
  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(roleOf(entry), { ...request, resource: request.resource === TABLE ? tableArn : request.resource })).toBe(expected);
  });
});

it('close-snapshots may change nothing but CreateTags (allowed and denied cases above); no other role changes anything', () => {
  expect(mutatingActions(roleOf(E('close-snapshots')))).toEqual(['ec2:CreateTags']);
  const others = Object.values(CLOSE_CASE_TASK_SPECS).map((s) => s.entry).filter((e) => e !== E('close-snapshots') && e !== E('request-approval'));
  expect(others.map((e) => [e, mutatingActions(roleOf(e))])).toEqual(others.map((e) => [e, []]));
});

describe.each(Object.values(CLOSE_CASE_TASK_SPECS).map((s) => s.entry))('%s', (entry) => {
  it('holds exactly the actions its bundle calls', () => {
    const granted = roleOf(entry).Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => !RUNTIME.test(a));
    expect([...new Set(granted)].sort()).toEqual(sdkCallsOf(bundles.get(entry) ?? ''));
  });
});

it('close-snapshots gets the retention period (retention.days) in its environment', () => {
  const fns = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))
    .filter(([id, fn]) => id.startsWith('CloseCase') && fn.Metadata?.[HANDLER_METADATA] === E('close-snapshots'));
  expect(fns).toHaveLength(1);
  expect((fns[0]![1].Properties.Environment as { Variables: Record<string, string> }).Variables.RETAIN_DAYS).toBe('30');
});
