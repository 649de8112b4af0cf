import { resourcesOf, sharedRemediationTemplate } from './synth';

// GIVEN the whole RemediationStack (the shared synthesis), WHEN isolate-instance's state machine role is read, THEN
// it may start rotate-key-pair's own state machine (infra/stack.ts passes it) and no other, for StartKeyRotation's .sync:2.
interface Statement { Effect: string; Action: string | string[]; Resource: unknown }
// The run's one unbundled, flattened synthesis (test/infra/synth.ts): what is read here needs no bundle.
const synth = sharedRemediationTemplate();

it("isolate-instance's state machine starts rotate-key-pair's state machine only", () => {
  const machines = resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine');
  const idOf = (name: string) => Object.entries(machines).find(([, r]) => r.Properties.StateMachineName === name)?.[0] as string;
  const isolateRole = (machines[idOf('remediation-isolate-instance')]?.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: isolateRole }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  // Named, not referenced across the nested stacks (infra/workflows/isolate-instance.ts rotateByName): that machine exists by that name.
  expect(idOf('remediation-rotate-key-pair')).toBeDefined();
  expect(statements.filter((s) => [s.Action].flat().includes('states:StartExecution')))
    .toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-rotate-key-pair' }]);
});
