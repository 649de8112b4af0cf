import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { LOCK_RESOURCES_TASK_SPEC, LOCK_TASK_SPECS } from '../../infra/kit/lock';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { RESTORE_TASK_SPECS, restoreSecurityGroupsSpec } from '../../infra/workflows/restore-security-groups';
import { RESTRICT_TASK_SPECS, restrictSecurityGroupsSpec } from '../../infra/workflows/restrict-security-groups';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy, uncoveredActions } from './iam-policies';
import { CDK_CONTEXT, ENV } from './synth';

// GIVEN each task role's policy of the two security-group workflows, WHEN IAM (@cloud-copilot/iam-simulate) sees one
// request, THEN rules change only on groups a remediation holds (remediation:lock), never on excluded ones; restore
// adds only replacement rules tagged as restrict's; rules are tagged only as they are created; the case table only by its own tasks.
// EC2 authorizes each resource ARN of a call on its own (the group and the rule), so each case is one of them.
const { account: A, region: R } = ENV;
const GROUP = `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`;
const RULE = `arn:aws:ec2:${R}:${A}:security-group-rule/sgr-0123456789abcdef0`;
const EXECUTION = 'restrict-security-groups-vpc-0123456789abcdef0-20261201T120000Z';
const LOCKED = { 'aws:ResourceTag/remediation:lock': EXECUTION };
const EXCLUDED = { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'true' };
const TABLE = 'arn:aws:dynamodb:<case table>';
const LOCK_TABLE = 'arn:aws:dynamodb:<lock table>';
const OTHER_TABLE = `arn:aws:dynamodb:${R}:${A}:table/other`;

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });

/** On the group: only locked, never excluded (any letter case). */
const onLockedGroup = (action: string): Case[] => [
  [`${action} on a locked group`, req(action, GROUP, LOCKED), 'Allowed'],
  [`${action} on a group without the lock tag`, req(action, GROUP), 'ImplicitlyDenied'],
  [`${action} on a locked group tagged remediation:exclude=true`, req(action, GROUP, EXCLUDED), 'ExplicitlyDenied'],
  [`${action} on a locked group tagged remediation:exclude=TRUE`, req(action, GROUP, { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'TRUE' }), 'ExplicitlyDenied'],
];
const tagRuleOnCreate: Case[] = [
  ['ec2:CreateTags on a rule, while AuthorizeSecurityGroupIngress creates it', req('ec2:CreateTags', RULE, { 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' }), 'Allowed'],
  ['ec2:CreateTags on a rule, while AuthorizeSecurityGroupEgress creates it', req('ec2:CreateTags', RULE, { 'ec2:CreateAction': 'AuthorizeSecurityGroupEgress' }), 'Allowed'],
  ['ec2:CreateTags on an existing rule', req('ec2:CreateTags', RULE, { 'aws:TagKeys': ['owner'] }), 'ImplicitlyDenied'],
  ['ec2:CreateTags on a group', req('ec2:CreateTags', GROUP, { ...LOCKED, 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' }), 'ImplicitlyDenied'],
];
const OUR_REPLACEMENT = { 'aws:RequestTag/remediation:workflow': 'restrict-security-groups', 'aws:TagKeys': ['remediation:workflow', 'remediation:execution', 'remediation:replaces'] };
const tableOnly = (action: string): Case[] => [
  [`${action} on the case table`, req(action, TABLE), 'Allowed'],
  [`${action} on another table`, req(action, OTHER_TABLE), 'ImplicitlyDenied'],
];
const LOCK_TAG_ONLY = (action: string): Case[] => [
  [`${action} of remediation:lock on a group`, req(action, GROUP, { 'aws:TagKeys': ['remediation:lock'] }), 'Allowed'],
  [`${action} of another key on a group`, req(action, GROUP, { 'aws:TagKeys': ['remediation:exclude'] }), 'ImplicitlyDenied'],
  [`${action} naming no key on a group`, req(action, GROUP), 'ImplicitlyDenied'],
];
const KIT: Record<string, Case[]> = {
  [LOCK_TASK_SPECS['acquire-lock'].entry]: [...LOCK_TAG_ONLY('ec2:CreateTags'), ['dynamodb:PutItem on the lock table', req('dynamodb:PutItem', LOCK_TABLE), 'Allowed'], ['dynamodb:PutItem on the case table', req('dynamodb:PutItem', TABLE), 'ImplicitlyDenied'], ['dynamodb:PutItem on another table', req('dynamodb:PutItem', OTHER_TABLE), 'ImplicitlyDenied']],
  [LOCK_TASK_SPECS['release-lock'].entry]: [...LOCK_TAG_ONLY('ec2:DeleteTags'), ['dynamodb:DeleteItem on the lock table', req('dynamodb:DeleteItem', LOCK_TABLE), 'Allowed'], ['dynamodb:DeleteItem on another table', req('dynamodb:DeleteItem', OTHER_TABLE), 'ImplicitlyDenied'],
    // A handed-over lock goes back to the parent: its item put back, its name on the lock tag.
    ...LOCK_TAG_ONLY('ec2:CreateTags'), ['dynamodb:PutItem on the lock table', req('dynamodb:PutItem', LOCK_TABLE), 'Allowed'], ['dynamodb:PutItem on the case table', req('dynamodb:PutItem', TABLE), 'ImplicitlyDenied']],
  [LOCK_RESOURCES_TASK_SPEC.entry]: LOCK_TAG_ONLY('ec2:CreateTags'),
};

const WORKFLOWS: Record<'RestrictSecurityGroups' | 'RestoreSecurityGroups', Record<string, Case[]>> = {
  RestrictSecurityGroups: {
    [RESTRICT_TASK_SPECS['save-rules'].entry]: tableOnly('dynamodb:PutItem'),
    [RESTRICT_TASK_SPECS['add-replacements'].entry]: [
      ...['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'].flatMap((a): Case[] => [
        ...onLockedGroup(a),
        [`${a}: a new rule tagged as restrict's replacement`, req(a, RULE, OUR_REPLACEMENT), 'Allowed'],
        [`${a}: a new rule without our tags`, req(a, RULE), 'ImplicitlyDenied'],
        [`${a}: a new rule tagged as another workflow's`, req(a, RULE, { 'aws:RequestTag/remediation:workflow': 'other' }), 'ImplicitlyDenied'],
      ]),
      ...tagRuleOnCreate,
    ],
    [RESTRICT_TASK_SPECS['revoke-rules'].entry]: [
      ...['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'].flatMap(onLockedGroup),
      ['ec2:AuthorizeSecurityGroupIngress on a locked group', req('ec2:AuthorizeSecurityGroupIngress', GROUP, LOCKED), 'ImplicitlyDenied'],
    ],
    // The rollback: the saved rules back (with their own tags) and the replacements revoked, only on groups still locked.
    [RESTRICT_TASK_SPECS['roll-back-restrict'].entry]: [
      ...['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'].flatMap((a): Case[] => [...onLockedGroup(a), [`${a}: the saved rule with its own tags`, req(a, RULE, { 'aws:TagKeys': ['owner'] }), 'Allowed']]),
      ...['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'].flatMap(onLockedGroup),
      ...tagRuleOnCreate,
      ['dynamodb:PutItem on the case table', req('dynamodb:PutItem', TABLE), 'ImplicitlyDenied'],
    ],
    [RESTRICT_TASK_SPECS['finish-rollback'].entry]: [
      ...tableOnly('dynamodb:UpdateItem'),
      ['dynamodb:PutItem on the case table', req('dynamodb:PutItem', TABLE), 'ImplicitlyDenied'],
      ['ec2:AuthorizeSecurityGroupIngress on a locked group', req('ec2:AuthorizeSecurityGroupIngress', GROUP, LOCKED), 'ImplicitlyDenied'],
    ],
    ...KIT,
  },
  RestoreSecurityGroups: {
    [RESTORE_TASK_SPECS['validate-restore-input'].entry]: [...tableOnly('dynamodb:Query'), ['dynamodb:PutItem on the case table', req('dynamodb:PutItem', TABLE), 'ImplicitlyDenied']],
    [RESTORE_TASK_SPECS['authorize-rules'].entry]: [
      ...['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'].flatMap((a): Case[] => [...onLockedGroup(a), [`${a}: the saved rule with its own tags`, req(a, RULE, { 'aws:TagKeys': ['owner'] }), 'Allowed']]),
      ['ec2:RevokeSecurityGroupIngress on a locked group', req('ec2:RevokeSecurityGroupIngress', GROUP, LOCKED), 'ImplicitlyDenied'],
      ...tagRuleOnCreate,
    ],
    // IAM has no rule resource on Revoke: the group's lock is the boundary (the plan picks the rules by tag).
    [RESTORE_TASK_SPECS['remove-replacements'].entry]: [
      ...['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'].flatMap(onLockedGroup),
      ['ec2:AuthorizeSecurityGroupIngress on a locked group', req('ec2:AuthorizeSecurityGroupIngress', GROUP, LOCKED), 'ImplicitlyDenied'],
    ],
    ...KIT,
  },
};

let template: Template;
let named: Record<string, string>;
const policies = new Map<string, Map<string, RolePolicy>>();

beforeAll(() => {
  const app = new App({ context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'SecurityGroupPolicies', { env: ENV });
  new RemediationWorkflow(stack, 'RestrictSecurityGroups', restrictSecurityGroupsSpec, {});
  new RemediationWorkflow(stack, 'RestoreSecurityGroups', restoreSecurityGroupsSpec, {});
  template = Template.fromStack(stack);
  const tables = Object.keys(template.findResources('AWS::DynamoDB::Table'));
  const arn = (prefix: string) => `arn:aws:dynamodb:${R}:${A}:table/${tables.find((id) => id.startsWith(prefix)) ?? 'missing'}`;
  named = { [TABLE]: arn('SecurityGroupCases'), [LOCK_TABLE]: arn('Locks') };
  for (const [prefix, cases] of Object.entries(WORKFLOWS)) policies.set(prefix, rolePoliciesByEntry(template, prefix, Object.keys(cases)));
});

const CASES = Object.entries(WORKFLOWS).flatMap(([prefix, byEntry]) => Object.keys(byEntry).map((entry) => [prefix, entry] as const));

describe.each(CASES)('the role of %s %s', (prefix, entry) => {
  const cases = WORKFLOWS[prefix as keyof typeof WORKFLOWS][entry]!;
  const policy = () => {
    const found = policies.get(prefix)?.get(entry);
    if (!found) throw new Error(`no ${prefix} function runs ${entry}`);
    return found;
  };

  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(policy(), { ...request, resource: named[request.resource] ?? request.resource })).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policy());
    expect(actions.length).toBeGreaterThan(0);
    expect(uncoveredActions(actions, cases)).toEqual({ notAllowed: [], notDenied: [] });
  });
});
