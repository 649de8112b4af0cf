import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { LOCK_TASK_SPECS, type LockTask } from '../../infra/kit/lock';
import { REFRESH_AMI_TASK_SPECS } from '../../infra/workflows/refresh-ami';
import { REFRESH_AMI_TASKS, type RefreshAmiTask } from '../../workflows/refresh-ami';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy, type PolicyStatement } from './iam-policies';
import { LOCK_TASKS, expectLockFunction, lockTableId } from './kit-functions';
import { ENV, resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';

// GIVEN each refresh-ami task role as synthesized (the shared bundled assembly), WHEN its bundle's calls are read and IAM
// (@cloud-copilot/iam-simulate) sees one request, THEN it holds exactly what it calls: images only from locked, not excluded
// instances into images and snapshots requested with our tag, tags only at creation, removals only of what we tagged, and
// only the public aws/service/ami-* parameters.
const { account: A, region: R } = ENV;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const OTHER_REGION_INSTANCE = `arn:aws:ec2:eu-west-1:${A}:instance/i-0123456789abcdef0`;
const IMAGE = `arn:aws:ec2:${R}::image/ami-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const OTHER_REGION_SNAPSHOT = 'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0';
// The simulator knows SSM parameter ARNs only with an account: the public parameters as authorized in the caller's account.
const PUBLIC_AL = `arn:aws:ssm:${R}:${A}:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`;
const PUBLIC_OTHER = `arn:aws:ssm:${R}:${A}:parameter/aws/service/global-infrastructure/regions`;
const OTHER_REGION_AL = `arn:aws:ssm:eu-west-1:${A}:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`;
const OWN_PARAMETER = `arn:aws:ssm:${R}:${A}:parameter/db/password`;
const LOCKED = { 'aws:ResourceTag/remediation:lock': 'refresh-ami-i-0123456789abcdef0-20260301T120000Z' };
const OURS = { 'aws:ResourceTag/remediation:workflow': 'refresh-ami' };
const REQUEST_OURS = { 'aws:RequestTag/remediation:workflow': 'refresh-ami', 'aws:TagKeys': ['remediation:workflow'] };

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });

const CASES: Partial<Record<RefreshAmiTask, Case[]>> = {
  'create-image': [
    ['CreateImage of a locked instance', req('ec2:CreateImage', INSTANCE, LOCKED), 'Allowed'],
    ['CreateImage of an instance without the lock tag', req('ec2:CreateImage', INSTANCE), 'ImplicitlyDenied'],
    ['CreateImage of a locked, excluded instance', req('ec2:CreateImage', INSTANCE, { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'True' }), 'ExplicitlyDenied'],
    ['CreateImage of an instance of another region', req('ec2:CreateImage', OTHER_REGION_INSTANCE, LOCKED), 'ImplicitlyDenied'],
    ['CreateImage into an image requested with our tag', req('ec2:CreateImage', IMAGE, REQUEST_OURS), 'Allowed'],
    ['CreateImage into an image without our tag', req('ec2:CreateImage', IMAGE), 'ImplicitlyDenied'],
    ['CreateImage into an image tagged as another workflow\'s', req('ec2:CreateImage', IMAGE, { 'aws:RequestTag/remediation:workflow': 'encrypt-volumes' }), 'ImplicitlyDenied'],
    ['CreateImage into snapshots requested with our tag', req('ec2:CreateImage', SNAPSHOT, REQUEST_OURS), 'Allowed'],
    ['CreateImage into snapshots without our tag', req('ec2:CreateImage', SNAPSHOT), 'ImplicitlyDenied'],
    ['CreateTags on the image, within CreateImage', req('ec2:CreateTags', IMAGE, { 'ec2:CreateAction': 'CreateImage' }), 'Allowed'],
    ['CreateTags on its snapshots, within CreateImage', req('ec2:CreateTags', SNAPSHOT, { 'ec2:CreateAction': 'CreateImage' }), 'Allowed'],
    ['CreateTags on an existing image', req('ec2:CreateTags', IMAGE), 'ImplicitlyDenied'],
    ['CreateTags within another create', req('ec2:CreateTags', SNAPSHOT, { 'ec2:CreateAction': 'CreateSnapshot' }), 'ImplicitlyDenied'],
    ['CreateTags on an instance within CreateImage', req('ec2:CreateTags', INSTANCE, { 'ec2:CreateAction': 'CreateImage' }), 'ImplicitlyDenied'],
    ['DeregisterImage (never called here) of our image', req('ec2:DeregisterImage', IMAGE, OURS), 'ImplicitlyDenied'],
  ],
  'cleanup-image': [
    ['DeregisterImage of an image tagged as ours', req('ec2:DeregisterImage', IMAGE, OURS), 'Allowed'],
    ['DeregisterImage of an untagged image', req('ec2:DeregisterImage', IMAGE), 'ImplicitlyDenied'],
    ['DeregisterImage of another workflow\'s image', req('ec2:DeregisterImage', IMAGE, { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes' }), 'ImplicitlyDenied'],
    ['DeleteSnapshot of a snapshot tagged as ours', req('ec2:DeleteSnapshot', SNAPSHOT, OURS), 'Allowed'],
    ['DeleteSnapshot of an untagged snapshot', req('ec2:DeleteSnapshot', SNAPSHOT), 'ImplicitlyDenied'],
    ['DeleteSnapshot of our snapshot in another region', req('ec2:DeleteSnapshot', OTHER_REGION_SNAPSHOT, OURS), 'ImplicitlyDenied'],
    ['CreateImage from the cleanup', req('ec2:CreateImage', INSTANCE, LOCKED), 'ImplicitlyDenied'],
  ],
  'plan-refresh-ami': [
    ['GetParameter of a public Amazon Linux AMI parameter', req('ssm:GetParameter', PUBLIC_AL), 'Allowed'],
    ['GetParameter of another public parameter', req('ssm:GetParameter', PUBLIC_OTHER), 'ImplicitlyDenied'],
    ['GetParameter of the account\'s own parameter', req('ssm:GetParameter', OWN_PARAMETER), 'ImplicitlyDenied'],
    ['GetParameter of a public AMI parameter of another region', req('ssm:GetParameter', OTHER_REGION_AL), 'ImplicitlyDenied'],
    ['GetParametersByPath (never called) of the public AMI parameters', req('ssm:GetParametersByPath', PUBLIC_AL), 'ImplicitlyDenied'],
    ['CreateImage from the read-only plan', req('ec2:CreateImage', INSTANCE, LOCKED), 'ImplicitlyDenied'],
  ],
};
const READ_ONLY: RefreshAmiTask[] = ['validate-refresh-ami-input', 'plan-refresh-ami', 'check-image', 'verify-image', 'build-refresh-ami-report'];
const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** What EC2 authorizes on a call besides the call's own action: CreateImage with TagSpecifications tags the image and snapshots. */
const IMPLIED: Record<string, string[]> = { 'ec2:CreateImage': ['ec2:CreateTags'] };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

let synth: SharedBundled;
let policies: Map<string, RolePolicy>;
const bundles = new Map<string, string>();
/** The lock functions' statements as the template holds them (expectLockFunction compares them unresolved). */
const rawStatements = new Map<string, (PolicyStatement & { Effect: string })[]>();
const policyOf = (task: RefreshAmiTask | LockTask): RolePolicy => {
  const entry = task in REFRESH_AMI_TASK_SPECS ? REFRESH_AMI_TASK_SPECS[task as RefreshAmiTask].entry : LOCK_TASK_SPECS[task as LockTask].entry;
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};
const bundleOf = (task: RefreshAmiTask | LockTask): string => bundles.get(task in REFRESH_AMI_TASK_SPECS ? REFRESH_AMI_TASK_SPECS[task as RefreshAmiTask].entry : LOCK_TASK_SPECS[task as LockTask].entry) ?? '';

beforeAll(() => {
  synth = sharedBundledTemplate();
  const entries = [...Object.values(REFRESH_AMI_TASK_SPECS), ...Object.values(LOCK_TASK_SPECS)].map((s) => s.entry);
  policies = rolePoliciesByEntry(synth.template, 'RefreshAmi', entries);
  const assembly = synth.assemblyDir;
  for (const [logicalId, fn] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    if (!logicalId.startsWith('RefreshAmi')) continue;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    rawStatements.set(String(fn.Metadata?.[HANDLER_METADATA]), Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: (PolicyStatement & { Effect: string })[] }).Statement));
    bundles.set(String(fn.Metadata?.[HANDLER_METADATA]), readFileSync(path.join(assembly, String(fn.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8'));
  }
});

it('there is one function per task, and the kit\'s lock functions beside them (no LockResources: only the instance is locked)', () => {
  expect([...bundles.keys()].sort()).toEqual([...REFRESH_AMI_TASKS.map((t) => REFRESH_AMI_TASK_SPECS[t].entry), ...LOCK_TASKS.map((t) => LOCK_TASK_SPECS[t].entry)].sort());
});

describe.each(REFRESH_AMI_TASKS)('the role of %s', (task) => {
  it('holds exactly the actions its bundle calls (plus what EC2 checks on those calls)', () => {
    const granted = policyOf(task).Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !RUNTIME_ACTIONS.has(a));
    const calls = sdkCallsOf(bundleOf(task));
    expect([...new Set(granted)].sort()).toEqual([...new Set([...calls, ...calls.flatMap((c) => IMPLIED[c] ?? [])])].sort());
  });

  const cases = CASES[task] ?? [];
  if (cases.length > 0) {
    it.each(cases)('%s: %s', async (_what, request, expected) => {
      expect(await decide(policyOf(task), request)).toBe(expected);
    });

    it('has an allowed and a denied case for every action it may take that changes something', () => {
      const actions = mutatingActions(policyOf(task));
      const covered = (decision: (d: Decision) => boolean) => new Set(cases.filter(([, , d]) => decision(d)).map(([, r]) => r.action));
      expect(actions.filter((a) => !covered((d) => d === 'Allowed').has(a))).toEqual([]);
      expect(actions.filter((a) => !covered((d) => d !== 'Allowed').has(a))).toEqual([]);
    });
  }
});

describe.each(READ_ONLY)('the role of %s', (task) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(task))).toEqual([]);
  });
});

describe.each(LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions', () => {
    expectLockFunction(task, { statements: rawStatements.get(LOCK_TASK_SPECS[task].entry) ?? [], bundle: bundleOf(task) }, lockTableId(synth.template));
  });
});
