import { AwsSolutionsChecks } from 'cdk-nag';
import { enforceImdsv2Spec } from '../../infra/workflows/enforce-imdsv2';
import { IMDS_TASKS } from '../../workflows/enforce-imdsv2';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, type Decision, type Request } from './iam-policies';
import { expectLockFunction, lockTableId, PLAN_CHECK_TASKS, RESOURCE_LOCK_TASKS } from './kit-functions';
import { ENV } from './synth';
import { allowedActions, synthWorkflowFunctions, type WorkflowFunctions } from './workflow-functions';

// GIVEN enforce-imdsv2 alone in a stack, bundled, WHEN each role's policy is read and IAM (@cloud-copilot/iam-simulate)
// decides requests under it, THEN each holds exactly what its handler calls, metadata options change only on instances
// that carry the lock tag and never on an excluded one, and the read-only steps may change nothing.
let synth: WorkflowFunctions;
beforeAll(() => {
  synth = synthWorkflowFunctions('EnforceImdsv2', enforceImdsv2Spec, {});
});
afterAll(() => synth.remove());
const fn = (task: string) => {
  const found = synth.fns.get(task);
  if (!found) throw new Error(`no function for ${task}`);
  return found;
};

it('has one function per task, and the kit\'s lock (with LockResources) and plan check', () => {
  expect([...synth.fns.keys()].sort()).toEqual([...IMDS_TASKS, ...RESOURCE_LOCK_TASKS, ...PLAN_CHECK_TASKS].sort());
});

describe.each(IMDS_TASKS)('%s', (task) => {
  it('holds exactly the actions its bundle calls', () => {
    expect(allowedActions(fn(task).policy)).toEqual(sdkCallsOf(fn(task).bundle));
  });
});

describe.each(RESOURCE_LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions', () => {
    expectLockFunction(task, { statements: fn(task).policy.Statement, bundle: fn(task).bundle }, lockTableId(synth.template));
  });
});

type Case = [what: string, request: Request, expected: Decision];
const { account: A, region: R } = ENV;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const LOCKED = { 'aws:ResourceTag/remediation:lock': 'enforce-imdsv2-i-0123456789abcdef0-20260301T120000Z' };
const optionsCases = (): Case[] => [
  ['ModifyInstanceMetadataOptions on a locked instance', { action: 'ec2:ModifyInstanceMetadataOptions', resource: INSTANCE, context: LOCKED }, 'Allowed'],
  ['ModifyInstanceMetadataOptions on an instance without the lock tag', { action: 'ec2:ModifyInstanceMetadataOptions', resource: INSTANCE }, 'ImplicitlyDenied'],
  ['ModifyInstanceMetadataOptions on a locked, excluded instance', {
    action: 'ec2:ModifyInstanceMetadataOptions', resource: INSTANCE, context: { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'True' },
  }, 'ExplicitlyDenied'],
  ['ModifyInstanceMetadataOptions in another region', {
    action: 'ec2:ModifyInstanceMetadataOptions', resource: `arn:aws:ec2:eu-west-1:${A}:instance/i-0123456789abcdef0`, context: LOCKED,
  }, 'ImplicitlyDenied'],
  ['ModifyInstanceAttribute on a locked instance', { action: 'ec2:ModifyInstanceAttribute', resource: INSTANCE, context: LOCKED }, 'ImplicitlyDenied'],
];
const CASES: Record<string, Case[]> = {
  'enforce-imdsv2': [...optionsCases(), ['ModifyInstanceMetadataDefaults', { action: 'ec2:ModifyInstanceMetadataDefaults', resource: '*' }, 'ImplicitlyDenied']],
  'restore-metadata-options': [...optionsCases(), ['ModifyInstanceMetadataDefaults', { action: 'ec2:ModifyInstanceMetadataDefaults', resource: '*' }, 'Allowed']],
  'set-metadata-defaults': [
    ['ModifyInstanceMetadataDefaults', { action: 'ec2:ModifyInstanceMetadataDefaults', resource: '*' }, 'Allowed'],
    ['ModifyInstanceMetadataOptions on a locked instance', { action: 'ec2:ModifyInstanceMetadataOptions', resource: INSTANCE, context: LOCKED }, 'ImplicitlyDenied'],
  ],
};

describe.each(Object.keys(CASES))('the role of %s', (task) => {
  const cases = CASES[task]!;
  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(synth.resolved(task), request)).toBe(expected);
  });

  it('has an allowed case for every action it may take that changes something, and no other', () => {
    const allowed = new Set(cases.filter(([, , d]) => d === 'Allowed').map(([, r]) => r.action));
    expect(mutatingActions(synth.resolved(task))).toEqual([...allowed].sort());
    expect(cases.some(([, , d]) => d !== 'Allowed')).toBe(true);
  });
});

describe.each(['validate-imds-input', 'plan-imds', 'check-metadata-options', 'build-imds-report', 'verify-approver'])('the role of %s', (task) => {
  it('may change nothing', () => {
    expect(mutatingActions(synth.resolved(task))).toEqual([]);
  });
});

it('cdk-nag (AwsSolutions) leaves no finding unacknowledged: Resource * only for Describe*, the metadata defaults and GetMetricData', () => {
  expect(new AwsSolutionsChecks().validateScope(synth.stack).violations.map((v) => v.ruleName)).toEqual([]);
});
