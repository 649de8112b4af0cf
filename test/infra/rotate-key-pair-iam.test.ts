import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { ROTATE_KEY_PAIR_TASK_SPECS, rotateKeyPairSpec } from '../../infra/workflows/rotate-key-pair';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { LOCK_TASKS, PLAN_CHECK_TASKS, expectLockFunction, kitTaskOf, lockTableId, planCheckTaskOf } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

// GIVEN rotate-key-pair's construct alone in a stack (its functions bundled), WHEN IAM (@cloud-copilot/iam-simulate) sees one
// request made by a task role (or, for the vault key, by a principal under the key policy), THEN Run Command goes only to
// locked, not excluded instances with AWS-RunShellScript; key pairs are imported only with our tag and deleted as scoped;
// private keys go in and never come out except for the KeyPairReaders role; each role holds exactly its bundle's calls.
const { account: A, region: R } = ENV;
const STACK = 'RotateTest';
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const KEY_PAIR = `arn:aws:ec2:${R}:${A}:key-pair/ops`;
const DOCUMENT = `arn:aws:ssm:${R}::document/AWS-RunShellScript`;
const PARAMETER = `arn:aws:ssm:${R}:${A}:parameter/remediation/key-pairs/i-0123456789abcdef0/ops-rotated-case-1`;
const VIA_SSM = { 'kms:ViaService': `ssm.${R}.amazonaws.com`, 'kms:CallerAccount': A };
const KEY = 'arn:aws:kms:<vault key>';
const EC2_LOCKED = { 'aws:ResourceTag/remediation:lock': 'rotate-key-pair-i-0123456789abcdef0-20261201T120000Z' };
const LOCKED = { 'ssm:resourceTag/remediation:lock': 'rotate-key-pair-i-0123456789abcdef0-20261201T120000Z' };

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });
const E = (task: keyof typeof ROTATE_KEY_PAIR_TASK_SPECS) => ROTATE_KEY_PAIR_TASK_SPECS[task].entry;

const CASES: Record<string, Case[]> = {
  [E('send-key-command')]: [
    // AWS-owned documents' ARNs carry no account (arn:aws:ssm:<region>::document/AWS-RunShellScript), which iam-simulate
    // cannot take as a request's resource: the statement allowing that document is asserted exactly below instead.
    ['SendCommand of a document of this account named like the AWS one', req('ssm:SendCommand', `arn:aws:ssm:${R}:${A}:document/AWS-RunShellScript`), 'ImplicitlyDenied'],
    ['SendCommand of a document of this account', req('ssm:SendCommand', `arn:aws:ssm:${R}:${A}:document/my-script`), 'ImplicitlyDenied'],
    ['SendCommand to the locked instance', req('ssm:SendCommand', INSTANCE, LOCKED), 'Allowed'],
    ['SendCommand to an instance no run holds', req('ssm:SendCommand', INSTANCE), 'ImplicitlyDenied'],
    ['SendCommand to a locked instance tagged remediation:exclude=true', req('ssm:SendCommand', INSTANCE, { ...LOCKED, 'ssm:resourceTag/remediation:exclude': 'True' }), 'ExplicitlyDenied'],
  ],
  [E('create-key-pair')]: [
    ['ImportKeyPair with our workflow tag', req('ec2:ImportKeyPair', KEY_PAIR, { 'aws:RequestTag/remediation:workflow': 'rotate-key-pair' }), 'Allowed'],
    ['ImportKeyPair without it', req('ec2:ImportKeyPair', KEY_PAIR), 'ImplicitlyDenied'],
    ['CreateTags as part of the import', req('ec2:CreateTags', KEY_PAIR, { 'ec2:CreateAction': 'ImportKeyPair' }), 'Allowed'],
    ['CreateTags on an existing key pair', req('ec2:CreateTags', KEY_PAIR), 'ImplicitlyDenied'],
    ['PutParameter under /remediation/key-pairs/', req('ssm:PutParameter', PARAMETER), 'Allowed'],
    ['PutParameter elsewhere', req('ssm:PutParameter', `arn:aws:ssm:${R}:${A}:parameter/app/db-password`), 'ImplicitlyDenied'],
    ['GetParameter of the private key (never read back)', req('ssm:GetParameter', PARAMETER), 'ExplicitlyDenied'],
    ['kms:Encrypt with the vault key through SSM', req('kms:Encrypt', KEY, VIA_SSM), 'Allowed'],
    ['kms:Encrypt with the vault key directly', req('kms:Encrypt', KEY), 'ImplicitlyDenied'],
    ['kms:Decrypt with the vault key', req('kms:Decrypt', KEY, VIA_SSM), 'ExplicitlyDenied'],
    ['DeleteKeyPair', req('ec2:DeleteKeyPair', KEY_PAIR), 'ImplicitlyDenied'],
  ],
  [E('delete-old-key-pair')]: [
    ['DeleteKeyPair of a key pair of this account', req('ec2:DeleteKeyPair', KEY_PAIR), 'Allowed'],
    ['DeleteKeyPair of one tagged remediation:exclude=true', req('ec2:DeleteKeyPair', KEY_PAIR, { 'aws:ResourceTag/remediation:exclude': 'true' }), 'ExplicitlyDenied'],
    ['DeleteKeyPair in another account', req('ec2:DeleteKeyPair', `arn:aws:ec2:${R}:444455556666:key-pair/ops`), 'ImplicitlyDenied'],
    ['ImportKeyPair', req('ec2:ImportKeyPair', KEY_PAIR, { 'aws:RequestTag/remediation:workflow': 'rotate-key-pair' }), 'ImplicitlyDenied'],
    ['CreateTags remediation:key-rotated on the locked instance', req('ec2:CreateTags', INSTANCE, { ...EC2_LOCKED, 'aws:TagKeys': ['remediation:key-rotated'] }), 'Allowed'],
    ['CreateTags of another key on the locked instance', req('ec2:CreateTags', INSTANCE, { ...EC2_LOCKED, 'aws:TagKeys': ['remediation:lock'] }), 'ImplicitlyDenied'],
    ['CreateTags remediation:key-rotated on an instance no run holds', req('ec2:CreateTags', INSTANCE, { 'aws:TagKeys': ['remediation:key-rotated'] }), 'ImplicitlyDenied'],
    ['CreateTags on a locked instance tagged remediation:exclude=true', req('ec2:CreateTags', INSTANCE, { ...EC2_LOCKED, 'aws:TagKeys': ['remediation:key-rotated'], 'aws:ResourceTag/remediation:exclude': 'true' }), 'ExplicitlyDenied'],
  ],
  [E('remove-new-key-pair')]: [
    ['DeleteKeyPair of a key pair this workflow imported', req('ec2:DeleteKeyPair', KEY_PAIR, { 'aws:ResourceTag/remediation:workflow': 'rotate-key-pair' }), 'Allowed'],
    ['DeleteKeyPair of any other key pair', req('ec2:DeleteKeyPair', KEY_PAIR), 'ImplicitlyDenied'],
    ['DeleteParameter under /remediation/key-pairs/', req('ssm:DeleteParameter', PARAMETER), 'Allowed'],
    ['DeleteParameter elsewhere', req('ssm:DeleteParameter', `arn:aws:ssm:${R}:${A}:parameter/app/db-password`), 'ImplicitlyDenied'],
  ],
};
const READ_ONLY = [E('validate-rotate-input'), E('plan-key-rotation'), E('check-key-command'), E('verify-key-pair'), E('build-rotate-report'), E('verify-approver')];

let outdir: string;
let template: Template;
let policies: Map<string, RolePolicy>;
let keyArn: string;
const fns = new Map<string, { statements: { Effect: string; Action: string | string[] }[]; bundle: string }>();
const policyOf = (entry: string): RolePolicy => {
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'rotate-key-pair-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, STACK, { env: ENV });
  new RemediationWorkflow(stack, 'RotateKeyPair', rotateKeyPairSpec, {});
  template = Template.fromStack(stack);
  policies = rolePoliciesByEntry(template, 'RotateKeyPair', Object.values(ROTATE_KEY_PAIR_TASK_SPECS).map((s) => s.entry));
  keyArn = `arn:aws:kms:${R}:${A}:key/${Object.keys(resourcesOf(template, 'AWS::KMS::Key'))[0] as string}`;
  const iamPolicies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const [, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const entry = String(resource.Metadata?.[HANDLER_METADATA]);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = iamPolicies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Effect: string; Action: string | string[] }[] }).Statement);
    const bundle = sharedBundleOf(entry);
    fns.set(kitTaskOf(entry) ?? planCheckTaskOf(entry) ?? entry, { statements, bundle });
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const RUNTIME = /^(logs:(CreateLogStream|PutLogEvents)|xray:(PutTraceSegments|PutTelemetryRecords))$/;
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** What AWS checks on a call besides the call itself: ImportKeyPair with tags tags the key pair; SSM encrypts a SecureString with KMS. */
const IMPLIED: Record<string, string[]> = { 'ec2:ImportKeyPair': ['ec2:CreateTags'], 'ssm:PutParameter': ['kms:Encrypt'] };

it("there is one function per task, and the kit's lock and plan-check functions beside them", () => {
  expect([...fns.keys()].sort()).toEqual([...Object.values(ROTATE_KEY_PAIR_TASK_SPECS).map((s) => s.entry), ...LOCK_TASKS, ...PLAN_CHECK_TASKS].sort());
});

describe.each(Object.values(ROTATE_KEY_PAIR_TASK_SPECS).map((s) => s.entry))('the role of %s', (entry) => {
  it('holds exactly the actions its bundle calls (plus what AWS checks on those calls)', () => {
    const { statements, bundle } = fns.get(entry)!;
    const granted = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !RUNTIME.test(a));
    const calls = sdkCallsOf(bundle);
    expect([...new Set(granted)].sort()).toEqual([...new Set([...calls, ...calls.flatMap((c) => IMPLIED[c] ?? [])])].sort());
  });
});

it.each(LOCK_TASKS)("the kit's %s holds exactly the lock's actions", (task) => {
  expectLockFunction(task, fns.get(task) as never, lockTableId(template));
});

describe.each(Object.keys(CASES))('IAM decides for the role of %s', (entry) => {
  const cases = CASES[entry]!;

  it.each(cases)('%s', async (_what, request, expected) => {
    expect(await decide(policyOf(entry), { ...request, resource: request.resource === KEY ? keyArn : request.resource })).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry));
    const covered = (decision: (d: Decision) => boolean) => new Set(cases.filter(([, , d]) => decision(d)).map(([, r]) => r.action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !covered((d) => d === 'Allowed').has(a))).toEqual([]);
    expect(actions.filter((a) => !covered((d) => d !== 'Allowed').has(a))).toEqual([]);
  });
});

it('SendCommand allows exactly one document: the AWS-owned AWS-RunShellScript of this region', () => {
  const documents = policyOf(E('send-key-command')).Statement.filter((st) => list(st.Resource).some((r) => r.includes(':document/')));
  expect(documents).toEqual([{ Effect: 'Allow', Action: 'ssm:SendCommand', Resource: DOCUMENT }]);
});

describe.each(READ_ONLY)('the role of %s', (entry) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(entry))).toEqual([]);
  });
});

describe('the vault: its KMS key and the KeyPairReaders role', () => {
  const readersArn = `arn:aws:iam::${A}:role/${STACK}-KeyPairReaders`;
  /** The key policy as synthesized, the readers' role ARN resolved. */
  const keyPolicy = () => JSON.parse(JSON.stringify(Object.values(resourcesOf(template, 'AWS::KMS::Key'))[0]?.Properties.KeyPolicy)
    .replace(/\{"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]\}/g, JSON.stringify(readersArn))
    .replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::[0-9]+:root"\]\]\}/g, JSON.stringify(`arn:aws:iam::${A}:root`))) as Record<string, unknown>;
  const underKeyPolicy = async (principal: string, action: string, context: Record<string, string>) => {
    // The principal's own policy allows every KMS action: what decides is the key policy.
    const result = await runSimulation({
      request: { principal, action, resource: { resource: keyArn, accountId: A }, contextVariables: context },
      identityPolicies: [{ name: 'all-of-kms', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
      serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: keyPolicy(),
    }, {});
    if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
    return result.overallResult;
  };

  it('is a customer managed key with rotation on, and the readers role is named <stack>-KeyPairReaders', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: `${STACK}-KeyPairReaders` });
  });

  it.each([
    ['the readers role decrypts through SSM', readersArn, 'kms:Decrypt', VIA_SSM, 'Allowed'],
    ['the readers role cannot decrypt outside SSM', readersArn, 'kms:Decrypt', {}, 'ImplicitlyDenied'],
    ['an administrator of the account (kms:* in its own policy) cannot decrypt', `arn:aws:iam::${A}:role/Admin`, 'kms:Decrypt', VIA_SSM, 'ImplicitlyDenied'],
    ["the workflow's roles may encrypt through SSM", `arn:aws:iam::${A}:role/${STACK}-RotateKeyPaircreatekeypairServiceRole`, 'kms:Encrypt', VIA_SSM, 'Allowed'],
    ['an administrator may still administer the key', `arn:aws:iam::${A}:role/Admin`, 'kms:DescribeKey', {}, 'Allowed'],
  ])('%s', async (_what, principal, action, context, expected) => {
    expect(await underKeyPolicy(principal, action, context)).toBe(expected);
  });

  it('the readers role reads only the key-pair parameters, and decrypts only through SSM', async () => {
    const readers = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('KeyPairVaultReaders'));
    const policy = JSON.parse(JSON.stringify(readers?.Properties.PolicyDocument)
      .replace(/\{"Fn::GetAtt":\["KeyPairVaultKey[A-Za-z0-9]+","Arn"\]\}/g, JSON.stringify(keyArn))
      .replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":ssm:[a-z0-9-]+:[0-9]+:parameter\/remediation\/key-pairs\/\*"\]\]\}/g,
        JSON.stringify(`arn:aws:ssm:${R}:${A}:parameter/remediation/key-pairs/*`))) as RolePolicy;
    expect(await decide(policy, req('ssm:GetParameter', PARAMETER))).toBe('Allowed');
    expect(await decide(policy, req('ssm:GetParameter', `arn:aws:ssm:${R}:${A}:parameter/app/db-password`))).toBe('ImplicitlyDenied');
    expect(await decide(policy, req('ssm:PutParameter', PARAMETER))).toBe('ImplicitlyDenied');
  });
});
