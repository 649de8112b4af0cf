import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { ISOLATE_INSTANCE_TASK_SPECS, isolateInstanceSpec } from '../../infra/workflows/isolate-instance';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, uncoveredActions, type Decision, type Request, type RolePolicy } from './iam-policies';
import { HAND_OVER_TASKS, PLAN_CHECK_TASKS, RESOURCE_LOCK_TASKS, expectLockFunction, kitTaskOf, lockTableId, planCheckTaskOf } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

// GIVEN isolate-instance's construct alone in a stack (its functions bundled), WHEN IAM (@cloud-copilot/iam-simulate) sees
// one request made by a task role as synthesized, THEN instance changes need the lock tag and never touch what is tagged
// remediation:exclude=true, groups are created only with our tags, the session deny never lands on a protected role; and
// each role holds exactly the calls its bundle makes (plus the tagging and PassRole those calls need).
const { account: A, region: R } = ENV;
const STACK = 'IsolateTest';
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const ENI = `arn:aws:ec2:${R}:${A}:network-interface/eni-0123456789abcdef0`;
const GROUP = `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const ASG = `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/workers`;
const TG = `arn:aws:elasticloadbalancing:${R}:${A}:targetgroup/web/0123456789abcdef`;
const ROLE = `arn:aws:iam::${A}:role/app-role`;
const BLOCK = `arn:aws:states:${R}:${A}:stateMachine:block-source-ip`;
const ROTATE = `arn:aws:states:${R}:${A}:stateMachine:rotate-key-pair`;
const TABLE = 'arn:aws:dynamodb:<case table>';
const LOCKED = { 'aws:ResourceTag/remediation:lock': 'isolate-instance-i-0-20260101T000000Z' };
const EXCLUDED = { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'true' };
const OURS = { 'aws:ResourceTag/remediation:workflow': 'isolate-instance' };

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });
const onInstance = (action: string): Case[] => [
  [`${action} on the locked instance`, req(action, INSTANCE, LOCKED), 'Allowed'],
  [`${action} on an instance nobody locked`, req(action, INSTANCE), 'ImplicitlyDenied'],
  [`${action} on a locked instance tagged remediation:exclude=true`, req(action, INSTANCE, EXCLUDED), 'ExplicitlyDenied'],
];
const SUBNET = `arn:aws:ec2:${R}:${A}:subnet/subnet-0123456789abcdef0`;
/**
 * ModifyNetworkInterfaceAttribute as IAM authorizes it: the ENI (LockResources tagged it), the instance and subnet EC2
 * may name, and each group of the request: the isolation groups (moves), or the ENI's original groups too (restore).
 */
const onEni = (action: string, groups: 'isolation' | 'any'): Case[] => [
  [`${action} on an ENI that carries the lock tag`, req(action, ENI, LOCKED), 'Allowed'],
  [`${action} on an ENI without the lock tag`, req(action, ENI), 'ImplicitlyDenied'],
  [`${action} on a locked ENI tagged remediation:exclude=true`, req(action, ENI, EXCLUDED), 'ExplicitlyDenied'],
  [`${action} on an ENI tagged remediation:exclude=True (any case)`, req(action, ENI, { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'True' }), 'ExplicitlyDenied'],
  ...onInstance(action),
  [`${action} in a subnet of this account`, req(action, SUBNET), 'Allowed'],
  [`${action} into our isolation group`, req(action, GROUP, OURS), 'Allowed'],
  groups === 'isolation'
    ? [`${action} into any other group`, req(action, GROUP), 'ImplicitlyDenied']
    : [`${action} back into the ENI's original group (any group of the account)`, req(action, GROUP), 'Allowed'],
  [`${action} into another account's group`, req(action, `arn:aws:ec2:${R}:111122223333:security-group/sg-0123456789abcdef0`, OURS), 'ImplicitlyDenied'],
];
const membership = (action: string, resource: string): Case[] => [
  [`${action} in this account`, req(action, resource), 'Allowed'],
  [`${action} on one tagged remediation:exclude=true`, req(action, resource, { 'aws:ResourceTag/remediation:exclude': 'true' }), 'ExplicitlyDenied'],
];
const table = (action: string): Case[] => [[`${action} on the case table`, req(action, TABLE), 'Allowed'],
  [`${action} on another table`, req(action, `arn:aws:dynamodb:${R}:${A}:table/Locks`), 'ImplicitlyDenied']];
const E = (task: keyof typeof ISOLATE_INSTANCE_TASK_SPECS) => ISOLATE_INSTANCE_TASK_SPECS[task].entry;

const CASES: Record<string, Case[]> = {
  [E('validate-isolate-input')]: table('dynamodb:Query'),
  [E('snapshot-instance')]: [
    ...onInstance('ec2:CreateSnapshots'),
    ['ec2:CreateSnapshots into snapshots tagged as ours', req('ec2:CreateSnapshots', SNAPSHOT, { 'aws:RequestTag/remediation:workflow': 'isolate-instance' }), 'Allowed'],
    ['ec2:CreateSnapshots into untagged snapshots', req('ec2:CreateSnapshots', SNAPSHOT), 'ImplicitlyDenied'],
    ['ec2:CreateTags on a snapshot being created', req('ec2:CreateTags', SNAPSHOT, { 'ec2:CreateAction': 'CreateSnapshots' }), 'Allowed'],
    ['ec2:CreateTags on an existing snapshot', req('ec2:CreateTags', SNAPSHOT), 'ImplicitlyDenied'],
    ...table('dynamodb:PutItem'), ...table('dynamodb:UpdateItem'),
  ],
  [E('protect-instance')]: [...onInstance('ec2:ModifyInstanceAttribute'), ...table('dynamodb:UpdateItem')],
  [E('remove-from-service')]: [
    ...membership('autoscaling:EnterStandby', ASG), ...membership('autoscaling:DetachInstances', ASG), ...membership('elasticloadbalancing:DeregisterTargets', TG),
    ['autoscaling:ExitStandby (release only)', req('autoscaling:ExitStandby', ASG), 'ImplicitlyDenied'], ...table('dynamodb:UpdateItem'),
  ],
  [E('ensure-isolation-groups')]: [
    ['ec2:CreateSecurityGroup with our tags', req('ec2:CreateSecurityGroup', GROUP, { 'aws:RequestTag/remediation:workflow': 'isolate-instance' }), 'Allowed'],
    ['ec2:CreateSecurityGroup without them', req('ec2:CreateSecurityGroup', GROUP), 'ImplicitlyDenied'],
    ['ec2:CreateTags on a group being created', req('ec2:CreateTags', GROUP, { 'ec2:CreateAction': 'CreateSecurityGroup' }), 'Allowed'],
    ['ec2:CreateTags on an existing group', req('ec2:CreateTags', GROUP), 'ImplicitlyDenied'],
    ...['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress'].flatMap((a): Case[] => [
      [`${a} on our isolation group`, req(a, GROUP, OURS), 'Allowed'], [`${a} on anyone else's group`, req(a, GROUP), 'ImplicitlyDenied']]),
  ],
  [E('move-network-interface')]: [...onEni('ec2:ModifyNetworkInterfaceAttribute', 'isolation'), ...table('dynamodb:UpdateItem')],
  [E('revoke-instance-profile')]: [
    ...onInstance('ec2:DisassociateIamInstanceProfile'),
    ['iam:PutRolePolicy on the profile\'s role', req('iam:PutRolePolicy', ROLE), 'Allowed'],
    ['iam:PutRolePolicy on a service-linked role', req('iam:PutRolePolicy', `arn:aws:iam::${A}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX`), 'ExplicitlyDenied'],
    ["iam:PutRolePolicy on this stack's own role", req('iam:PutRolePolicy', `arn:aws:iam::${A}:role/${STACK}-IsolateInstanceplanisolationServiceRole-ABC`), 'ExplicitlyDenied'],
    ['iam:PutRolePolicy on a role from CDK context', req('iam:PutRolePolicy', `arn:aws:iam::${A}:role/break-glass`), 'ExplicitlyDenied'],
    ['iam:PutRolePolicy on a role tagged remediation:exclude=true', req('iam:PutRolePolicy', ROLE, { 'iam:ResourceTag/remediation:exclude': 'true' }), 'ExplicitlyDenied'],
    ...table('dynamodb:UpdateItem'),
  ],
  [E('start-source-block')]: [
    ['states:StartExecution of block-source-ip', req('states:StartExecution', BLOCK), 'Allowed'],
    ['states:StartExecution of another machine', req('states:StartExecution', `arn:aws:states:${R}:${A}:stateMachine:other`), 'ImplicitlyDenied'],
    ...table('dynamodb:UpdateItem'),
  ],
  [E('record-key-rotation')]: [
    ...table('dynamodb:UpdateItem'),
    ['states:StartExecution of rotate-key-pair (the state machine starts it)', req('states:StartExecution', ROTATE), 'ImplicitlyDenied'],
  ],
  [E('tag-isolated')]: [
    ['ec2:CreateTags remediation:isolated on the locked instance', req('ec2:CreateTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': ['remediation:isolated'] }), 'Allowed'],
    ['ec2:CreateTags of another key', req('ec2:CreateTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': ['Name'] }), 'ImplicitlyDenied'],
    ...table('dynamodb:UpdateItem'),
  ],
  [E('restore-instance')]: [
    ...onInstance('ec2:ModifyInstanceAttribute'), ...onInstance('ec2:AssociateIamInstanceProfile'), ...onEni('ec2:ModifyNetworkInterfaceAttribute', 'any'),
    ['iam:PassRole to EC2', req('iam:PassRole', ROLE, { 'iam:PassedToService': 'ec2.amazonaws.com' }), 'Allowed'],
    ['iam:PassRole to Lambda', req('iam:PassRole', ROLE, { 'iam:PassedToService': 'lambda.amazonaws.com' }), 'ImplicitlyDenied'],
    ['ec2:DeleteTags remediation:isolated on the locked instance', req('ec2:DeleteTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': ['remediation:isolated'] }), 'Allowed'],
    ['ec2:DeleteTags of another key', req('ec2:DeleteTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': ['Name'] }), 'ImplicitlyDenied'],
    ...membership('autoscaling:ExitStandby', ASG), ...membership('autoscaling:AttachInstances', ASG), ...membership('elasticloadbalancing:RegisterTargets', TG),
    ...table('dynamodb:UpdateItem'),
  ],
};
const READ_ONLY = [E('plan-isolation'), E('check-forensic-snapshots'), E('verify-isolation'), E('recheck-isolation'), E('build-isolate-report'), E('verify-approver')];
/** Granted beside a bundle's own calls: tags in the create call, and PassRole for the profile EC2 re-associates. */
const IMPLIED: Record<string, string[]> = { [E('snapshot-instance')]: ['ec2:CreateTags'], [E('ensure-isolation-groups')]: ['ec2:CreateTags'], [E('restore-instance')]: ['iam:PassRole'] };

let outdir: string;
let template: Template;
let machinePolicy: RolePolicy;
let policies: Map<string, RolePolicy>;
let tableArn: string;
let lockTable: string;
const fns = new Map<string, { statements: { Effect: string; Action: string | string[] }[]; bundle: string }>();
const policyOf = (entry: string): RolePolicy => {
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'isolate-instance-infra-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, STACK, { env: ENV });
  new RemediationWorkflow(stack, 'IsolateInstance', isolateInstanceSpec, {
    blockStateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Block', BLOCK), rotateStateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Rotate', ROTATE),
    protectedRoleArns: [`arn:aws:iam::${A}:role/break-glass`],
  });
  template = Template.fromStack(stack);
  const [machineRole] = Object.entries(resourcesOf(template, 'AWS::IAM::Role'))
    .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('states.amazonaws.com')).map(([id]) => id);
  machinePolicy = {
    Version: '2012-10-17',
    Statement: Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: machineRole }]))
      .flatMap((p) => (p.Properties.PolicyDocument as RolePolicy).Statement),
  };
  lockTable = lockTableId(template);
  policies = rolePoliciesByEntry(template, 'IsolateInstance', Object.values(ISOLATE_INSTANCE_TASK_SPECS).map((s) => s.entry));
  tableArn = `arn:aws:dynamodb:${R}:${A}:table/${Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table')).find((id) => id.startsWith('InstanceCases'))}`;
  const iamPolicies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  for (const resource of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
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

it("there is one function per task, and the kit's lock (with LockResources, for the ENIs), its hand-over and plan-check functions beside them", () => {
  expect([...fns.keys()].sort()).toEqual([...Object.values(ISOLATE_INSTANCE_TASK_SPECS).map((s) => s.entry), ...RESOURCE_LOCK_TASKS, ...HAND_OVER_TASKS, ...PLAN_CHECK_TASKS].sort());
});

describe.each([...RESOURCE_LOCK_TASKS, ...HAND_OVER_TASKS])('the kit function %s (the lock, LockResources for the ENIs, the hand-over to rotate-key-pair)', (task) => {
  it('holds exactly the lock\'s statements', () => {
    expectLockFunction(task, fns.get(task) as never, lockTable);
  });
});

describe("the state machine's role (rotateKeyPair: rotate-key-pair started .sync:2)", () => {
  const EXECUTION = `arn:aws:states:${R}:${A}:execution:rotate-key-pair:case-1-i-0123456789abcdef0-keys`;
  it('holds exactly what CDK grants the .sync:2 start: StartExecution on that machine, Describe/Stop on its executions, the managed rule', () => {
    const states = machinePolicy.Statement.filter((s) => list(s.Action).some((a) => /^(states|events):/.test(a)));
    expect(states).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: ROTATE },
      { Effect: 'Allow', Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: `arn:aws:states:${R}:${A}:execution:rotate-key-pair*` },
      { Effect: 'Allow', Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'], Resource: `arn:aws:events:${R}:${A}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule` },
    ]);
  });
  it.each<Case>([
    ['states:StartExecution of rotate-key-pair', req('states:StartExecution', ROTATE), 'Allowed'],
    ['states:StartExecution of block-source-ip (its task function starts that one)', req('states:StartExecution', BLOCK), 'ImplicitlyDenied'],
    ['states:StopExecution of a rotate-key-pair execution', req('states:StopExecution', EXECUTION), 'Allowed'],
    ['states:StopExecution of another machine\'s execution', req('states:StopExecution', `arn:aws:states:${R}:${A}:execution:encrypt-volumes:x`), 'ImplicitlyDenied'],
  ])('IAM decides: %s', async (_what, request, expected) => {
    // The role's other statements (lambda:InvokeFunction on the task functions, logs, X-Ray) name resources by reference.
    const ofStates = { ...machinePolicy, Statement: machinePolicy.Statement.filter((s) => list(s.Action).every((a) => a.startsWith('states:'))) };
    expect(ofStates.Statement).toHaveLength(2);
    expect(await decide(ofStates, request)).toBe(expected);
  });
});

describe.each(Object.values(ISOLATE_INSTANCE_TASK_SPECS).map((s) => s.entry))('the role of %s', (entry) => {
  it('holds exactly the actions its bundle calls', () => {
    const { statements, bundle } = fns.get(entry)!;
    const granted = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !RUNTIME.test(a));
    expect([...new Set(granted)].sort()).toEqual([...sdkCallsOf(bundle), ...(IMPLIED[entry] ?? [])].sort());
  });
});

describe.each(Object.keys(CASES))('IAM decides for the role of %s', (entry) => {
  const cases = CASES[entry]!;
  it.each(cases)('%s', async (_what, request, expected) => {
    expect(await decide(policyOf(entry), { ...request, resource: request.resource === TABLE ? tableArn : request.resource })).toBe(expected);
  });
  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry));
    expect(actions.length).toBeGreaterThan(0);
    expect(uncoveredActions(actions, cases)).toEqual({ notAllowed: [], notDenied: [] });
  });
});

describe.each(READ_ONLY)('the role of %s', (entry) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(entry))).toEqual([]);
  });
});
