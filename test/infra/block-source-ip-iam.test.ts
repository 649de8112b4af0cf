import { BLOCK_SOURCE_IP_TASK_SPECS } from '../../infra/workflows/block-source-ip';
import { UNBLOCK_SOURCE_IP_TASK_SPECS } from '../../infra/workflows/unblock-source-ip';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy, uncoveredActions } from './iam-policies';
import { ENV, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// GIVEN each block-source-ip / unblock-source-ip task role as synthesized, WHEN IAM (@cloud-copilot/iam-simulate)
// sees one request, THEN entries change only on NACLs of this account and region and never on an excluded one,
// only the block records' tag keys are set or removed, and only the unblock state machine is started.
const { account: A, region: R } = ENV;
const NACL = `arn:aws:ec2:${R}:${A}:network-acl/acl-0123456789abcdef0`;
const OTHER_REGION_NACL = `arn:aws:ec2:eu-west-1:${A}:network-acl/acl-0123456789abcdef0`;
const SECURITY_GROUP = `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const EXCLUDED = { 'aws:ResourceTag/remediation:exclude': 'true' };
const UNBLOCK = 'arn:aws:states:<unblock state machine>';
const OTHER_MACHINE = `arn:aws:states:${R}:${A}:stateMachine:remediation-encrypt-volumes`;
const BLOCK_KEY = 'remediation:block:ingress:203.0.113.7/32';
const BLOCK_EXECUTION = `arn:aws:states:${R}:${A}:execution:remediation-block-source-ip:block-source-ip-account-20261201T120000Z`;

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });

const entryCases = (action: string): Case[] => [
  [`${action} on a NACL of this account and region`, req(action, NACL), 'Allowed'],
  [`${action} on a NACL tagged remediation:exclude=true`, req(action, NACL, EXCLUDED), 'ExplicitlyDenied'],
  [`${action} on a NACL tagged remediation:exclude=TRUE`, req(action, NACL, { 'aws:ResourceTag/remediation:exclude': 'TRUE' }), 'ExplicitlyDenied'],
  [`${action} on a NACL of another region`, req(action, OTHER_REGION_NACL), 'ImplicitlyDenied'],
];
const tagCases = (action: string): Case[] => [
  [`${action} of a block record on a NACL`, req(action, NACL, { 'aws:TagKeys': [BLOCK_KEY] }), 'Allowed'],
  [`${action} of another key on a NACL`, req(action, NACL, { 'aws:TagKeys': [BLOCK_KEY, 'Name'] }), 'ImplicitlyDenied'],
  [`${action} naming no key (every tag) on a NACL`, req(action, NACL), 'ImplicitlyDenied'],
  [`${action} of a block record on an excluded NACL`, req(action, NACL, { ...EXCLUDED, 'aws:TagKeys': [BLOCK_KEY] }), 'ExplicitlyDenied'],
  [`${action} of a block record on a security group`, req(action, SECURITY_GROUP, { 'aws:TagKeys': [BLOCK_KEY] }), 'ImplicitlyDenied'],
  [`${action} of a block record on an instance`, req(action, INSTANCE, { 'aws:TagKeys': [BLOCK_KEY] }), 'ImplicitlyDenied'],
];

const CASES: Record<string, Case[]> = {
  [BLOCK_SOURCE_IP_TASK_SPECS['apply-blocks'].entry]: [
    ...entryCases('ec2:CreateNetworkAclEntry'), ...entryCases('ec2:DeleteNetworkAclEntry'),
    ['ec2:ReplaceNetworkAclEntry (never called) on a NACL', req('ec2:ReplaceNetworkAclEntry', NACL), 'ImplicitlyDenied'],
    ['ec2:DeleteNetworkAcl on a NACL', req('ec2:DeleteNetworkAcl', NACL), 'ImplicitlyDenied'],
    ...tagCases('ec2:CreateTags'), ...tagCases('ec2:DeleteTags'),
  ],
  [UNBLOCK_SOURCE_IP_TASK_SPECS['remove-blocks'].entry]: [
    ...entryCases('ec2:DeleteNetworkAclEntry'),
    ['ec2:CreateNetworkAclEntry on a NACL', req('ec2:CreateNetworkAclEntry', NACL), 'ImplicitlyDenied'],
    ...tagCases('ec2:DeleteTags'),
    ['ec2:CreateTags of a block record on a NACL', req('ec2:CreateTags', NACL, { 'aws:TagKeys': [BLOCK_KEY] }), 'ImplicitlyDenied'],
  ],
  [BLOCK_SOURCE_IP_TASK_SPECS['undo-blocks'].entry]: [
    ...entryCases('ec2:DeleteNetworkAclEntry'),
    ['ec2:CreateNetworkAclEntry on a NACL', req('ec2:CreateNetworkAclEntry', NACL), 'ImplicitlyDenied'],
    ...tagCases('ec2:CreateTags'), ...tagCases('ec2:DeleteTags'),
  ],
  [BLOCK_SOURCE_IP_TASK_SPECS['start-block-expiry'].entry]: [
    ['states:StartExecution of unblock-source-ip', req('states:StartExecution', UNBLOCK), 'Allowed'],
    ['states:StartExecution of another state machine', req('states:StartExecution', OTHER_MACHINE), 'ImplicitlyDenied'],
  ],
  // An early unblock stops the waiting block execution: only block-source-ip's executions, never another machine's, never start one.
  [UNBLOCK_SOURCE_IP_TASK_SPECS['stop-block-executions'].entry]: [
    ...['states:StopExecution', 'states:DescribeExecution'].flatMap((action): Case[] => [
      [`${action} of a block-source-ip execution`, req(action, BLOCK_EXECUTION), 'Allowed'],
      [`${action} of an execution of another state machine`, req(action, `arn:aws:states:${R}:${A}:execution:remediation-encrypt-volumes:x`), 'ImplicitlyDenied'],
      [`${action} of a machine whose name only starts like it`, req(action, `arn:aws:states:${R}:${A}:execution:remediation-block-source-ip-other:x`), 'ImplicitlyDenied'],
      [`${action} of a block-source-ip execution in another region`, req(action, `arn:aws:states:eu-west-1:${A}:execution:remediation-block-source-ip:x`), 'ImplicitlyDenied'],
    ]),
    ['states:StartExecution of unblock-source-ip', req('states:StartExecution', UNBLOCK), 'ImplicitlyDenied'],
    ['ec2:DeleteNetworkAclEntry on a NACL', req('ec2:DeleteNetworkAclEntry', NACL), 'ImplicitlyDenied'],
  ],
  [BLOCK_SOURCE_IP_TASK_SPECS['plan-block'].entry]: [
    ['ec2:CreateNetworkAclEntry from the read-only plan', req('ec2:CreateNetworkAclEntry', NACL), 'ImplicitlyDenied'],
  ],
};
/** Roles that change nothing: no mutating action at all. */
const READ_ONLY = [BLOCK_SOURCE_IP_TASK_SPECS['plan-block'].entry, BLOCK_SOURCE_IP_TASK_SPECS['verify-blocks'].entry, UNBLOCK_SOURCE_IP_TASK_SPECS['plan-unblock'].entry];

let synth: SynthesizedTemplate;
let block: Map<string, RolePolicy>;
let unblock: Map<string, RolePolicy>;
let unblockArn: string;
const policyOf = (entry: string): RolePolicy => {
  const policy = block.get(entry) ?? unblock.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};

beforeAll(() => {
  synth = sharedRemediationTemplate();
  block = rolePoliciesByEntry(synth.template, 'BlockSourceIp', Object.values(BLOCK_SOURCE_IP_TASK_SPECS).map((s) => s.entry));
  unblock = rolePoliciesByEntry(synth.template, 'UnblockSourceIp', Object.values(UNBLOCK_SOURCE_IP_TASK_SPECS).map((s) => s.entry));
  const machines = synth.template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'remediation-unblock-source-ip' } });
  unblockArn = `arn:aws:states:${R}:${A}:stateMachine:${Object.keys(machines)[0]}`;
});

describe.each(Object.keys(CASES))('the role of %s', (entry) => {
  const cases = CASES[entry]!;

  it.each(cases)('%s: %s', async (_what, request, expected) => {
    const resource = request.resource === UNBLOCK ? unblockArn : request.resource;
    expect(await decide(policyOf(entry), { ...request, resource })).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry));
    expect(uncoveredActions(actions, cases)).toEqual({ notAllowed: [], notDenied: [] });
  });
});

describe.each(READ_ONLY)('the role of %s', (entry) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(entry))).toEqual([]);
  });
});
