import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { restrictAllowedPorts, triageSpec, type TriageProps } from '../../infra/workflows/triage-start-instances';

// GIVEN the CDK context setting triage.restrictSecurityGroups.allowedPorts, WHEN triage is built, THEN start-child's
// environment carries it (checked as restrict's own input is), and a bad value stops synthesis with ConfigurationError.
const ENV = { account: '123456789012', region: 'us-east-1' };

/** Triage alone on a bare stack, its children and our role as stand-ins (no bundling): milliseconds. */
function startChildEnvironment(restrictSecurityGroups?: TriageProps['restrictSecurityGroups']): Record<string, unknown> {
  const stack = new Stack(new App({ context: { [cxapi.BUNDLING_STACKS]: [] } }), 'T', { env: ENV });
  const restrict = sfn.StateMachine.fromStateMachineArn(stack, 'Restrict', `arn:aws:states:${ENV.region}:${ENV.account}:stateMachine:remediation-restrict-security-groups`);
  new RemediationWorkflow(stack, 'Triage', triageSpec, {
    children: { 'restrict-security-groups': restrict },
    ourRoles: [iam.Role.fromRoleArn(stack, 'Ours', `arn:aws:iam::${ENV.account}:role/start-instance`)],
    ...(restrictSecurityGroups ? { restrictSecurityGroups } : {}),
  });
  const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const fn = Object.values(fns).find((f) => f.Metadata?.[HANDLER_METADATA] === 'tasks/triage/start-child.ts');
  return (fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('triage.restrictSecurityGroups.allowedPorts', () => {
  it('reaches start-child as RESTRICT_ALLOWED_PORTS, sorted and without repeats', () => {
    expect(startChildEnvironment({ allowedPorts: [443, 80, 443] }).RESTRICT_ALLOWED_PORTS).toBe('[80,443]');
  });

  it('defaults to none: every world-open rule is revoked', () => {
    expect(startChildEnvironment().RESTRICT_ALLOWED_PORTS).toBe('[]');
    expect(startChildEnvironment({}).RESTRICT_ALLOWED_PORTS).toBe('[]');
  });

  it.each([
    ['a port above 65535', { allowedPorts: [70000] }, /allowedPorts must be a list of at most 100 ports \(integers 0-65535\), got \[70000\]/],
    ['a port as text', { allowedPorts: ['443'] }, /allowedPorts must be a list/],
    ['a single number', { allowedPorts: 443 }, /allowedPorts must be a list/],
    ['101 ports', { allowedPorts: Array.from({ length: 101 }, (_, i) => i) }, /at most 100 ports/],
    ['a misspelt key', { allowedPort: [443] }, /unknown keys: allowedPort/],
    ['a list instead of an object', [443], /must be an object such as \{"allowedPorts": \[443\]\}/],
  ])('refuses %s with ConfigurationError', (_what, setting, message) => {
    expect(() => restrictAllowedPorts(setting)).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(message) }));
  });

  it('a bad value stops building triage, before any resource is synthesized', () => {
    expect(() => startChildEnvironment({ allowedPorts: [70000] })).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
  });
});
