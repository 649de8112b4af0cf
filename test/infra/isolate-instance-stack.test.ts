import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { resourcesOf, sharedRemediationTemplate } from './synth';

// GIVEN the whole RemediationStack (the shared synthesis), WHEN isolate-instance's start-key-rotation function is read,
// THEN it names rotate-key-pair's own state machine and may start that one only (infra/stack.ts passes it).
interface Statement { Effect: string; Action: string | string[]; Resource: unknown }
// The run's one unbundled, flattened synthesis (test/infra/synth.ts): what is read here needs no bundle.
const synth = sharedRemediationTemplate();

it("start-key-rotation starts rotate-key-pair's state machine only, named by the environment it reads", () => {
  const rotateMachine = Object.entries(resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine'))
    .find(([, r]) => r.Properties.StateMachineName === 'remediation-rotate-key-pair')?.[0] as string;
  const [logicalId, fn] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))
    .find(([, r]) => r.Metadata?.[HANDLER_METADATA] === 'tasks/isolation/start-key-rotation.ts') ?? [];
  expect(fn?.Properties.Environment).toMatchObject({ Variables: { ROTATE_STATE_MACHINE_ARN: { Ref: rotateMachine } } });
  const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  expect(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('states:'))))
    .toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: rotateMachine } }]);
  expect(logicalId).toMatch(/^IsolateInstance/);
});
