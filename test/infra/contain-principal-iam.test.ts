import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { CONTAIN_PRINCIPAL_TASK_SPECS, containPrincipalSpec } from '../../infra/workflows/contain-principal';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { LOCK_TASKS, PLAN_CHECK_TASKS, expectLockFunction, kitTaskOf, lockTableId, planCheckTaskOf } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

// GIVEN contain-principal's construct alone in a stack (its functions bundled), WHEN IAM (@cloud-copilot/iam-simulate)
// sees one request made by a task role as synthesized, THEN keys and inline policies change only on users and roles of
// this account, never on service-linked, Identity Center or this stack's own roles, nor on what is tagged
// remediation:exclude=true; and each role holds exactly the calls its bundle makes. (moto enforces none of this: here only.)
const { account: A } = ENV;
const STACK = 'ContainTest';
const TOPIC = `arn:aws:sns:${ENV.region}:${A}:notifications`;
const USER = `arn:aws:iam::${A}:user/alice`;
const ROLE = `arn:aws:iam::${A}:role/apps/app-role`;
const PROTECTED: [string, string][] = [
  ['a service-linked role', `arn:aws:iam::${A}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`],
  ['an Identity Center role', `arn:aws:iam::${A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef`],
  ['an Identity Center role off its path', `arn:aws:iam::${A}:role/AWSReservedSSO_Admin_0123456789abcdef`],
  ["this stack's own role", `arn:aws:iam::${A}:role/${STACK}-ContainPrincipalapplycontainmentServiceRole-ABC123`],
  ['a protected role from CDK context', `arn:aws:iam::${A}:role/break-glass`],
];
const EXCLUDED = { 'iam:ResourceTag/remediation:exclude': 'true' };
const TABLE = 'arn:aws:dynamodb:<case table>';
const APPROVAL_TOPIC = 'arn:aws:sns:<approval topic>';

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });
const onUser = (action: string): Case[] => [
  [`${action} on a user of this account`, req(action, USER), 'Allowed'],
  [`${action} on a user tagged remediation:exclude=true`, req(action, USER, EXCLUDED), 'ExplicitlyDenied'],
  [`${action} on a user tagged remediation:exclude=True`, req(action, USER, { 'iam:ResourceTag/remediation:exclude': 'True' }), 'ExplicitlyDenied'],
  [`${action} on a user of another account`, req(action, 'arn:aws:iam::444455556666:user/alice'), 'ImplicitlyDenied'],
];
const onRole = (action: string): Case[] => [
  [`${action} on a role of this account (with a path)`, req(action, ROLE), 'Allowed'],
  [`${action} on a role tagged remediation:exclude=true`, req(action, ROLE, EXCLUDED), 'ExplicitlyDenied'],
  // IAM itself refuses changes to roles under /aws-reserved/, whatever the caller's policy says, and iam-simulate models
  // that (IamServiceAuthorizer) ahead of our explicit Deny: ImplicitlyDenied there. Off that path the Deny decides.
  ...PROTECTED.map(([what, arn]): Case => [`${action} on ${what}`, req(action, arn), arn.includes(':role/aws-reserved/') ? 'ImplicitlyDenied' : 'ExplicitlyDenied']),
  [`${action} on a role of another account`, req(action, 'arn:aws:iam::444455556666:role/app-role'), 'ImplicitlyDenied'],
];
const table = (action: string, decision: Decision = 'Allowed'): Case => [`${action} on the case table`, req(action, TABLE), decision];
const otherTable = (action: string): Case => [`${action} on another table (the lock table, say)`, req(action, `arn:aws:dynamodb:${ENV.region}:${A}:table/Locks`), 'ImplicitlyDenied'];
const E = (task: keyof typeof CONTAIN_PRINCIPAL_TASK_SPECS) => CONTAIN_PRINCIPAL_TASK_SPECS[task].entry;

const CASES: Record<string, Case[]> = {
  [E('apply-containment')]: [
    ...onUser('iam:UpdateAccessKey'), ...onUser('iam:PutUserPolicy'), ...onRole('iam:PutRolePolicy'),
    ['iam:DeleteUserPolicy (release only)', req('iam:DeleteUserPolicy', USER), 'ImplicitlyDenied'],
    ['iam:AttachRolePolicy (a managed policy)', req('iam:AttachRolePolicy', ROLE), 'ImplicitlyDenied'],
    ['iam:DeleteAccessKey (never: release must be able to undo)', req('iam:DeleteAccessKey', USER), 'ImplicitlyDenied'],
    table('dynamodb:UpdateItem'), otherTable('dynamodb:UpdateItem'), table('dynamodb:DeleteItem', 'ImplicitlyDenied'),
  ],
  [E('release-keys')]: [
    ...onUser('iam:UpdateAccessKey'),
    ['iam:PutUserPolicy', req('iam:PutUserPolicy', USER), 'ImplicitlyDenied'],
    table('dynamodb:UpdateItem'), otherTable('dynamodb:UpdateItem'), table('dynamodb:PutItem', 'ImplicitlyDenied'),
  ],
  [E('remove-session-deny')]: [
    ...onUser('iam:DeleteUserPolicy'), ...onRole('iam:DeleteRolePolicy'),
    ['iam:PutRolePolicy', req('iam:PutRolePolicy', ROLE), 'ImplicitlyDenied'],
    ['iam:UpdateAccessKey', req('iam:UpdateAccessKey', USER), 'ImplicitlyDenied'],
    table('dynamodb:UpdateItem'), otherTable('dynamodb:UpdateItem'), table('dynamodb:DeleteItem', 'ImplicitlyDenied'),
  ],
  [E('save-case')]: [table('dynamodb:PutItem'), otherTable('dynamodb:PutItem'), table('dynamodb:DeleteItem', 'ImplicitlyDenied'), ['iam:UpdateAccessKey', req('iam:UpdateAccessKey', USER), 'ImplicitlyDenied']],
  [E('request-approval')]: [
    ['sns:Publish to the approval topic', req('sns:Publish', APPROVAL_TOPIC), 'Allowed'],
    ['sns:Publish to the notifications topic', req('sns:Publish', TOPIC), 'ImplicitlyDenied'],
  ],
  [E('notify-root')]: [
    ['sns:Publish to the notifications topic', req('sns:Publish', TOPIC), 'Allowed'],
    ['sns:Publish to another topic', req('sns:Publish', `arn:aws:sns:${ENV.region}:${A}:other`), 'ImplicitlyDenied'],
  ],
};
/** Roles that change nothing: reads only. */
const READ_ONLY = [E('validate-contain-input'), E('plan-containment'), E('verify-principal'), E('build-contain-report'), E('verify-approver')];

let outdir: string;
let template: Template;
let policies: Map<string, RolePolicy>;
let tableArn: string;
let approvalTopicArn: string;
const fns = new Map<string, { statements: { Effect: string; Action: string | string[] }[]; bundle: string; environment: Record<string, unknown> }>();
const policyOf = (entry: string): RolePolicy => {
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'contain-principal-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, STACK, { env: ENV });
  new RemediationWorkflow(stack, 'ContainPrincipal', containPrincipalSpec, { notificationTopicArn: TOPIC, protectedRoleArns: [`arn:aws:iam::${A}:role/break-glass`] });
  template = Template.fromStack(stack);
  const entries = [...Object.values(CONTAIN_PRINCIPAL_TASK_SPECS).map((s) => s.entry)];
  policies = rolePoliciesByEntry(template, 'ContainPrincipal', entries);
  tableArn = `arn:aws:dynamodb:${ENV.region}:${A}:table/${Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table')).find((id) => id.startsWith('PrincipalCases'))}`;
  approvalTopicArn = `arn:aws:sns:${ENV.region}:${A}:${Object.keys(resourcesOf(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('ContainPrincipalApprovalRequests'))}`;
  const iamPolicies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const [, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const entry = String(resource.Metadata?.[HANDLER_METADATA]);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = iamPolicies.filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Effect: string; Action: string | string[] }[] }).Statement);
    const bundle = sharedBundleOf(entry);
    fns.set(kitTaskOf(entry) ?? planCheckTaskOf(entry) ?? entry, { statements, bundle, environment: (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables });
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const RUNTIME = /^(logs:(CreateLogStream|PutLogEvents)|xray:(PutTraceSegments|PutTelemetryRecords))$/;
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

it('there is one function per task, and the kit\'s lock and plan-check functions beside them', () => {
  expect([...fns.keys()].sort()).toEqual([...Object.values(CONTAIN_PRINCIPAL_TASK_SPECS).map((s) => s.entry), ...LOCK_TASKS, ...PLAN_CHECK_TASKS].sort());
});

describe.each(Object.values(CONTAIN_PRINCIPAL_TASK_SPECS).map((s) => s.entry))('the role of %s', (entry) => {
  it('holds exactly the actions its bundle calls', () => {
    const { statements, bundle } = fns.get(entry)!;
    const granted = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !RUNTIME.test(a));
    expect([...new Set(granted)].sort()).toEqual(sdkCallsOf(bundle));
  });
});

it.each(LOCK_TASKS)('the kit\'s %s holds exactly the lock\'s actions', (task) => {
  expectLockFunction(task, fns.get(task) as never, lockTableId(template));
});

describe.each(Object.keys(CASES))('IAM decides for the role of %s', (entry) => {
  const cases = CASES[entry]!;

  it.each(cases)('%s: %s', async (_what, request, expected) => {
    const resource = request.resource === TABLE ? tableArn : request.resource === APPROVAL_TOPIC ? approvalTopicArn : request.resource;
    expect(await decide(policyOf(entry), { ...request, resource })).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry));
    const covered = (decision: (d: Decision) => boolean) => new Set(cases.filter(([, , d]) => decision(d)).map(([, r]) => r.action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !covered((d) => d === 'Allowed').has(a))).toEqual([]);
    expect(actions.filter((a) => !covered((d) => d !== 'Allowed').has(a))).toEqual([]);
  });
});

describe.each(READ_ONLY)('the role of %s', (entry) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(entry))).toEqual([]);
  });
});

describe('resources and environment', () => {
  it('the case table is on demand, point-in-time recoverable, encrypted and retained, keyed by case id', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'caseId', KeyType: 'HASH' }] } }));
    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatchObject({
      DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      Properties: { BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, SSESpecification: { SSEEnabled: true } },
    });
  });

  it("the plan knows the stack's own roles (by CloudFormation's name prefix and by ARN), notify-root the topic", () => {
    expect(fns.get(E('plan-containment'))?.environment).toMatchObject({
      CONTAIN_OWN_ROLE_PREFIX: `${STACK}-`, CONTAIN_OWN_ROLE_ARNS: `arn:aws:iam::${A}:role/break-glass`,
    });
    expect(fns.get(E('notify-root'))?.environment).toMatchObject({ CONTAIN_NOTIFICATION_TOPIC_ARN: TOPIC });
    expect(fns.get(E('validate-contain-input'))?.environment).toMatchObject({ STACK_ACCOUNT_ID: A });
  });

  it('the state machine waits at most 40 hours (a release waits up to 36 h for user sessions to expire)', () => {
    const machines = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(1);
    expect(JSON.stringify(machines[0]?.Properties.DefinitionString)).toContain('"TimeoutSeconds\\":144000');
  });
});
