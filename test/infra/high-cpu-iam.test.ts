import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { HIGH_CPU_TASK_SPECS, highCpuSpec } from '../../infra/workflows/high-cpu';
import { INSTANCE_ATTRIBUTES_DENIED } from '../../infra/kit/grants';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy, uncoveredActions } from './iam-policies';
import { CDK_CONTEXT, ENV } from './synth';

// GIVEN each high-cpu task role as synthesized (the workflow alone in a stack), WHEN IAM (@cloud-copilot/iam-simulate)
// sees one request, THEN alarms are read and written only by this workflow's name prefix, the instance is stopped,
// started and retyped only while the run holds it (remediation:lock) and never when excluded, no other instance
// attribute can be changed, and only the resize's own tag keys are set.
const { account: A, region: R } = ENV;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const OUR_ALARM = `arn:aws:cloudwatch:${R}:${A}:alarm:remediation-high-cpu-i-0123456789abcdef0`;
const OTHER_ALARM = `arn:aws:cloudwatch:${R}:${A}:alarm:billing-alarm`;
const OTHER_REGION_ALARM = `arn:aws:cloudwatch:eu-west-1:${A}:alarm:remediation-high-cpu-i-0123456789abcdef0`;
const LOCKED = { 'aws:ResourceTag/remediation:lock': 'high-cpu-i-0123456789abcdef0-20261201T120000Z' };
const EXCLUDED = { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'true' };
const RESIZE_KEYS = ['remediation:resized-at', 'remediation:resized-from'];

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });

const lockedOnly = (action: string, extra: Request['context'] = {}): Case[] => [
  [`${action} on the locked instance`, req(action, INSTANCE, { ...LOCKED, ...extra }), 'Allowed'],
  [`${action} on an instance without the lock tag`, req(action, INSTANCE, extra), 'ImplicitlyDenied'],
  [`${action} on a locked instance tagged remediation:exclude=true`, req(action, INSTANCE, { ...EXCLUDED, ...extra }), 'ExplicitlyDenied'],
];
const alarmCases = (action: string): Case[] => [
  [`${action} on remediation-high-cpu-<instance>`, req(action, OUR_ALARM), 'Allowed'],
  [`${action} on another alarm`, req(action, OTHER_ALARM), 'ImplicitlyDenied'],
  [`${action} on our name in another region`, req(action, OTHER_REGION_ALARM), 'ImplicitlyDenied'],
];
const typeChange: Case[] = [
  ...lockedOnly('ec2:ModifyInstanceAttribute', { 'ec2:Attribute/InstanceType': 't3.small' }),
  ...INSTANCE_ATTRIBUTES_DENIED.filter((a) => a !== 'InstanceType').map((attribute): Case =>
    [`ec2:ModifyInstanceAttribute of ${attribute} on the locked instance`, req('ec2:ModifyInstanceAttribute', INSTANCE, { ...LOCKED, [`ec2:Attribute/${attribute}`]: 'x' }), 'ExplicitlyDenied']),
];

const S = HIGH_CPU_TASK_SPECS;
const CASES: Record<string, Case[]> = {
  [S['put-alarm'].entry]: [...alarmCases('cloudwatch:PutMetricAlarm'), ...alarmCases('cloudwatch:TagResource'), ...alarmCases('cloudwatch:DescribeAlarms'),
    ['cloudwatch:DeleteAlarms on our alarm', req('cloudwatch:DeleteAlarms', OUR_ALARM), 'ImplicitlyDenied']],
  [S['modify-instance-type'].entry]: [
    ...typeChange,
    ...lockedOnly('ec2:CreateTags', { 'aws:TagKeys': RESIZE_KEYS }),
    ['ec2:CreateTags of another key on the locked instance', req('ec2:CreateTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': [...RESIZE_KEYS, 'Name'] }), 'ImplicitlyDenied'],
    ['ec2:StopInstances on the locked instance', req('ec2:StopInstances', INSTANCE, LOCKED), 'ImplicitlyDenied'],
  ],
  [S['stop-instance'].entry]: [...lockedOnly('ec2:StopInstances'), ['ec2:TerminateInstances on the locked instance', req('ec2:TerminateInstances', INSTANCE, LOCKED), 'ImplicitlyDenied']],
  [S['start-instance'].entry]: lockedOnly('ec2:StartInstances'),
  [S['rollback-resize'].entry]: [...lockedOnly('ec2:StopInstances'), ...lockedOnly('ec2:StartInstances'), ...typeChange,
    ['ec2:CreateTags on the locked instance', req('ec2:CreateTags', INSTANCE, { ...LOCKED, 'aws:TagKeys': RESIZE_KEYS }), 'ImplicitlyDenied']],
  [S.preflight.entry]: [...alarmCases('cloudwatch:DescribeAlarms'), ['cloudwatch:PutMetricAlarm from the read-only preflight', req('cloudwatch:PutMetricAlarm', OUR_ALARM), 'ImplicitlyDenied']],
  [S.verify.entry]: [...alarmCases('cloudwatch:DescribeAlarms')],
};
/** Roles that change nothing: no mutating action at all (KMS through EC2 aside, checked with encrypt-volumes' start). */
const READ_ONLY = [S.preflight.entry, S.verify.entry, S['check-status-checks'].entry, S['check-instance-state'].entry, S['build-report'].entry];

let policies: Map<string, RolePolicy>;
const policyOf = (entry: string): RolePolicy => {
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no function runs ${entry}`);
  return policy;
};

beforeAll(() => {
  const stack = new Stack(new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), 'HighCpuIam', { env: ENV });
  const topic = new sns.Topic(stack, 'Notifications');
  new RemediationWorkflow(stack, 'HighCpu', highCpuSpec, { alarmTopicArn: topic.topicArn });
  policies = rolePoliciesByEntry(Template.fromStack(stack), 'HighCpu', Object.values(HIGH_CPU_TASK_SPECS).map((s) => s.entry));
});

describe.each(Object.keys(CASES))('the role of %s', (entry) => {
  const cases = CASES[entry]!;

  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(policyOf(entry), request)).toBe(expected);
  });
});

describe.each(Object.keys(CASES).filter((entry) => !READ_ONLY.includes(entry)))('the mutating role of %s', (entry) => {
  const cases = CASES[entry]!;

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry)).filter((a) => !a.startsWith('kms:'));
    expect(actions.length).toBeGreaterThan(0);
    expect(uncoveredActions(actions, cases)).toEqual({ notAllowed: [], notDenied: [] });
  });
});

describe.each(READ_ONLY)('the role of %s', (entry) => {
  it('may change nothing', () => {
    expect(mutatingActions(policyOf(entry))).toEqual([]);
  });
});
