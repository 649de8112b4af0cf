import { TRIAGE_TASK_SPECS } from '../../infra/workflows/triage-start-instances';
import { actionsOf, decide, rolePoliciesByEntry, type RolePolicy } from './iam-policies';
import { ENV, resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// GIVEN triage's start-child role as the synthesized RemediationStack holds it, WHEN IAM (@cloud-copilot/iam-simulate)
// sees a StartExecution, THEN only the child workflows triage may start are allowed: restrict-security-groups among
// them, contain-principal (issue 10) too, its restore (and every other machine) not.
const CHILDREN = [
  'encrypt-volumes', 'enable-flow-logs', 'investigate-traffic', 'restrict-security-groups', 'enforce-imdsv2', 'enable-ebs-encryption-by-default', 'contain-principal',
];

let synth: SynthesizedTemplate;
let policy: RolePolicy;
/** State machine name -> the ARN the policy's references resolve to (test/infra/iam-policies.ts: the logical id stands for the name). */
let arnOf: Map<string, string>;
beforeAll(() => {
  synth = sharedRemediationTemplate();
  const entry = TRIAGE_TASK_SPECS['start-child'].entry;
  const found = rolePoliciesByEntry(synth.template, 'TriageStartInstances', [entry]).get(entry);
  if (!found) throw new Error(`no function runs ${entry}`);
  policy = found;
  arnOf = new Map(Object.entries(resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine'))
    .map(([logicalId, r]) => [String(r.Properties.StateMachineName), `arn:aws:states:${ENV.region}:${ENV.account}:stateMachine:${logicalId}`]));
});

const arn = (workflow: string): string => {
  const found = arnOf.get(`remediation-${workflow}`);
  if (!found) throw new Error(`no state machine remediation-${workflow}`);
  return found;
};

describe('the role of triage start-child', () => {
  it('may StartExecution exactly the child workflows, restrict-security-groups included, and nothing else', () => {
    expect(policy.Statement.map((s) => ({ ...s, Resource: [s.Resource].flat().sort() }))).toContainEqual(
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: CHILDREN.map(arn).sort() },
    );
    expect(policy.Statement.flatMap(actionsOf).filter((a) => a.startsWith('states:'))).toEqual(['states:StartExecution']);
  });

  it.each([...CHILDREN.map((w) => [w, 'Allowed'] as const),
    ...['restore-security-groups', 'block-source-ip', 'triage-start-instances'].map((w) => [w, 'ImplicitlyDenied'] as const)])(
    'StartExecution of %s: %s', async (workflow, expected) => {
      expect(await decide(policy, { action: 'states:StartExecution', resource: arn(workflow) })).toBe(expected);
    },
  );
});
