import { AwsSolutionsChecks } from 'cdk-nag';
import { enableEbsEncryptionByDefaultSpec } from '../../infra/workflows/enable-ebs-encryption-by-default';
import { EBS_DEFAULT_TASKS } from '../../workflows/enable-ebs-encryption-by-default';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, type Decision, type Request } from './iam-policies';
import { expectLockFunction, LOCK_TASKS, lockTableId } from './kit-functions';
import { ENV } from './synth';
import { allowedActions, synthWorkflowFunctions, type WorkflowFunctions } from './workflow-functions';

// GIVEN enable-ebs-encryption-by-default alone in a stack, bundled, WHEN each role's policy is read and IAM
// (@cloud-copilot/iam-simulate) decides requests under it, THEN each holds exactly what its handler calls, only the
// rollback may turn encryption off or reset the key, and the read-only steps may change nothing.
let synth: WorkflowFunctions;
beforeAll(() => {
  synth = synthWorkflowFunctions('EnableEbsEncryptionByDefault', enableEbsEncryptionByDefaultSpec, {});
});
afterAll(() => synth.remove());
const fn = (task: string) => {
  const found = synth.fns.get(task);
  if (!found) throw new Error(`no function for ${task}`);
  return found;
};

it('has one function per task, and the kit\'s lock', () => {
  expect([...synth.fns.keys()].sort()).toEqual([...EBS_DEFAULT_TASKS, ...LOCK_TASKS].sort());
});

describe.each(EBS_DEFAULT_TASKS)('%s', (task) => {
  it('holds exactly the actions its bundle calls', () => {
    expect(allowedActions(fn(task).policy)).toEqual(sdkCallsOf(fn(task).bundle));
  });
});

describe.each(LOCK_TASKS)('the kit\'s %s', (task) => {
  it('holds exactly the lock\'s actions', () => {
    expectLockFunction(task, { statements: fn(task).policy.Statement, bundle: fn(task).bundle }, lockTableId(synth.template));
  });
});

type Case = [what: string, request: Request, expected: Decision];
const ANY = '*';
const KEY = `arn:aws:kms:${ENV.region}:${ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CASES: Record<string, Case[]> = {
  'enable-encryption-by-default': [
    ['EnableEbsEncryptionByDefault', { action: 'ec2:EnableEbsEncryptionByDefault', resource: ANY }, 'Allowed'],
    ['DisableEbsEncryptionByDefault', { action: 'ec2:DisableEbsEncryptionByDefault', resource: ANY }, 'ImplicitlyDenied'],
  ],
  'set-default-kms-key': [
    ['ModifyEbsDefaultKmsKeyId', { action: 'ec2:ModifyEbsDefaultKmsKeyId', resource: ANY }, 'Allowed'],
    ['ResetEbsDefaultKmsKeyId', { action: 'ec2:ResetEbsDefaultKmsKeyId', resource: ANY }, 'ImplicitlyDenied'],
    ['kms:CreateGrant on a key', { action: 'kms:CreateGrant', resource: KEY }, 'ImplicitlyDenied'],
  ],
  'restore-ebs-default': [
    ['DisableEbsEncryptionByDefault', { action: 'ec2:DisableEbsEncryptionByDefault', resource: ANY }, 'Allowed'],
    ['ResetEbsDefaultKmsKeyId', { action: 'ec2:ResetEbsDefaultKmsKeyId', resource: ANY }, 'Allowed'],
    ['ModifyEbsDefaultKmsKeyId', { action: 'ec2:ModifyEbsDefaultKmsKeyId', resource: ANY }, 'Allowed'],
    ['EnableEbsEncryptionByDefault', { action: 'ec2:EnableEbsEncryptionByDefault', resource: ANY }, 'ImplicitlyDenied'],
  ],
};

describe.each(Object.keys(CASES))('the role of %s', (task) => {
  const cases = CASES[task]!;
  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(synth.resolved(task), request)).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something, and no other', () => {
    const actions = mutatingActions(synth.resolved(task));
    expect(actions.length).toBeGreaterThan(0);
    const allowed = new Set(cases.filter(([, , d]) => d === 'Allowed').map(([, r]) => r.action));
    expect(actions).toEqual([...allowed].sort());
    expect(cases.some(([, , d]) => d !== 'Allowed')).toBe(true);
  });
});

describe.each(['plan-ebs-default', 'verify-ebs-default', 'validate-ebs-default-input', 'build-ebs-default-report'])('the role of %s', (task) => {
  it('may change nothing', () => {
    expect(mutatingActions(synth.resolved(task))).toEqual([]);
  });
});

it('cdk-nag (AwsSolutions) leaves no finding unacknowledged: Resource * only for the EBS settings, which have no resource type', () => {
  expect(new AwsSolutionsChecks().validateScope(synth.stack).violations.map((v) => v.ruleName)).toEqual([]);
});
