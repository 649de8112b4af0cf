import { TRIAGE_TASK_SPECS } from '../../infra/workflows/triage-start-instances';
import { actionsOf, decide, rolePoliciesByEntry, type RolePolicy } from './iam-policies';
import { ENV, resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// GIVEN triage's start-child role as the synthesized RemediationStack holds it, WHEN IAM (@cloud-copilot/iam-simulate)
// sees a StartExecution, THEN only the child workflows triage may start are allowed: restrict-security-groups among
// them, contain-principal and isolate-instance (issue 10) and high-cpu (the alarm) too, its restore (and every other
// machine: isolate's rotate-key-pair, close-case) not.
const CHILDREN = [
  'encrypt-volumes', 'enable-flow-logs', 'investigate-traffic', 'restrict-security-groups', 'enforce-imdsv2', 'enable-ebs-encryption-by-default', 'contain-principal', 'high-cpu',
  'isolate-instance',
];

let synth: SynthesizedTemplate;
let policy: RolePolicy;
let assessPolicy: RolePolicy;
/** State machine name -> the ARN the policy's references resolve to (test/infra/iam-policies.ts: the logical id stands for the name). */
let arnOf: Map<string, string>;
beforeAll(() => {
  synth = sharedRemediationTemplate();
  const entry = TRIAGE_TASK_SPECS['start-child'].entry;
  const found = rolePoliciesByEntry(synth.template, 'TriageStartInstances', [entry]).get(entry);
  if (!found) throw new Error(`no function runs ${entry}`);
  policy = found;
  const assessEntry = TRIAGE_TASK_SPECS['assess-instance'].entry;
  const assess = rolePoliciesByEntry(synth.template, 'TriageStartInstances', [assessEntry]).get(assessEntry);
  if (!assess) throw new Error(`no function runs ${assessEntry}`);
  assessPolicy = assess;
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
    ...['restore-security-groups', 'block-source-ip', 'triage-start-instances', 'rotate-key-pair', 'close-case'].map((w) => [w, 'ImplicitlyDenied'] as const)])(
    'StartExecution of %s: %s', async (workflow, expected) => {
      expect(await decide(policy, { action: 'states:StartExecution', resource: arn(workflow) })).toBe(expected);
    },
  );
});

describe('the role of triage assess-instance and CloudWatch alarms', () => {
  const alarm = (name: string, region: string = ENV.region) => `arn:aws:cloudwatch:${region}:${ENV.account}:alarm:${name}`;
  it.each([
    ['DescribeAlarms of high-cpu\'s alarm of an instance', 'cloudwatch:DescribeAlarms', alarm('remediation-high-cpu-i-0123456789abcdef0'), 'Allowed'],
    ['DescribeAlarms of another alarm', 'cloudwatch:DescribeAlarms', alarm('billing-alarm'), 'ImplicitlyDenied'],
    ['DescribeAlarms of high-cpu\'s name in another region', 'cloudwatch:DescribeAlarms', alarm('remediation-high-cpu-i-0123456789abcdef0', 'eu-west-1'), 'ImplicitlyDenied'],
    ['PutMetricAlarm of high-cpu\'s alarm (triage changes nothing)', 'cloudwatch:PutMetricAlarm', alarm('remediation-high-cpu-i-0123456789abcdef0'), 'ImplicitlyDenied'],
    ['DeleteAlarms of high-cpu\'s alarm', 'cloudwatch:DeleteAlarms', alarm('remediation-high-cpu-i-0123456789abcdef0'), 'ImplicitlyDenied'],
  ] as const)('%s', async (_what, action, resource, expected) => {
    expect(await decide(assessPolicy, { action, resource })).toBe(expected);
  });
  it('holds no cloudwatch action but DescribeAlarms', () => {
    expect(assessPolicy.Statement.flatMap(actionsOf).filter((a) => a.startsWith('cloudwatch:'))).toEqual(['cloudwatch:DescribeAlarms']);
  });
});

describe("triage's own starts, in the nested deployment", () => {
  const parseEnvironment = (): Record<string, unknown> => {
    const functions = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'));
    const parse = functions.filter((f) => (f.Metadata as { 'remediation:handler'?: string } | undefined)?.['remediation:handler'] === 'tasks/triage/parse-start-event.ts');
    expect(parse).toHaveLength(1);
    return (parse[0]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  };

  it("never contains a role of any nested stack: the prefix is the root stack's name, not the nested stack's", () => {
    expect(parseEnvironment().OWN_ROLE_PREFIX).toBe('Test-');
  });

  it('does not triage the StartInstances of encrypt-volumes, high-cpu and its rollback (their roles are ours)', () => {
    const ours = JSON.stringify(parseEnvironment().OUR_ROLE_ARNS);
    const roles = Object.keys(resourcesOf(synth.template, 'AWS::IAM::Role'));
    const starters = ['EncryptVolumesstartinstance', 'HighCpustartinstance', 'HighCpurollbackresize'].map((prefix) => roles.filter((id) => id.startsWith(prefix)));
    for (const found of starters) expect(found).toHaveLength(1);
    for (const [id] of starters) expect(ours).toContain(`"${id}"`);
  });
});
