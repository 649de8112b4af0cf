import { FAILED_ATTEMPT_HANDLER } from '../../infra/constructs/failed-attempt-alerts';
import { type NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { nestedStacksOf, type CfnTemplate } from '../../infra/flatten';
import { nestedStackId } from '../../infra/kit/nested-workflow';
import { LockTable } from '../../infra/kit/lock';
import { LOCK_KEY } from '../../tasks/lock/lib/lock';
import { WORKFLOWS } from '../../workflows/registry';
import { removeAssembly, synthRemediationStack, type Synthesized } from './synth';

/**
 * CloudFormation's per-template quotas. Counts when this test was written (16 workflows, printed by the test):
 * root 45 resources, 1 parameter, 32 outputs; the largest nested stack, encrypt-volumes, 101 resources,
 * 5 parameters, 3 outputs. As one stack they would be 805 resources, over the 500 CloudFormation accepts.
 */
const MAX_RESOURCES = 500;
const MAX_PARAMETERS = 200;
const MAX_OUTPUTS = 200;
const NESTED_STACK = 'AWS::CloudFormation::Stack';

let synth: Synthesized;
let root: CfnTemplate;
let nested: { stack: NestedStack; template: CfnTemplate }[];
beforeAll(() => {
  // The shared bundled assembly: no synthesis of its own.
  synth = synthRemediationStack({ bundle: true });
  root = Template.fromStack(synth.stack).toJSON() as CfnTemplate;
  nested = nestedStacksOf(synth.stack).map((stack) => ({ stack, template: Template.fromStack(stack).toJSON() as CfnTemplate }));
});
afterAll(() => removeAssembly(synth));

const ofType = (template: CfnTemplate, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const isLockTable = ([, r]: [string, CfnTemplate['Resources'][string]]) => r.Type === 'AWS::DynamoDB::Table'
  && JSON.stringify(r.Properties?.KeySchema) === JSON.stringify([{ AttributeName: LOCK_KEY, KeyType: 'HASH' }]);

describe('the RemediationStack as nested stacks', () => {
  it('holds one nested stack per workflow, named <constructId>Stack, and no workflow resources in the root', () => {
    expect(nested.map(({ stack }) => stack.node.id).sort()).toEqual(WORKFLOWS.map((w) => nestedStackId(w.constructId)).sort());
    expect(ofType(root, NESTED_STACK)).toHaveLength(WORKFLOWS.length);
    expect(ofType(root, 'AWS::StepFunctions::StateMachine')).toEqual([]);
    // The refused-EC2-calls alert (infra/constructs/failed-attempt-alerts.ts) is no workflow: its one function is the root's.
    expect(Object.entries(root.Resources).filter(([, r]) => r.Metadata?.[HANDLER_METADATA] !== undefined).map(([, r]) => r.Metadata?.[HANDLER_METADATA])).toEqual([FAILED_ATTEMPT_HANDLER]);
    for (const { template } of nested) expect(ofType(template, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  it('keeps what the deployment shares in the root: the lock and the case tables, the stack-owned buckets, the approval topic and approvers', () => {
    const types = Object.values(root.Resources).map((r) => r.Type).filter((t) => t !== NESTED_STACK);
    expect(ofType(root, 'AWS::DynamoDB::Table').map(([id]) => id.replace(/Table[0-9A-F]{8}$/, '')).sort()).toEqual(['FailedAttempts', 'InstanceCases', 'Locks', 'PrincipalCases', 'SecurityGroupCases']);
    // flow logs, Config, CloudTrail and the fleet's results: each bucket and its access-log bucket.
    expect(types.filter((t) => t === 'AWS::S3::Bucket')).toHaveLength(8);
    expect(Object.keys(root.Resources).filter((id) => id.startsWith('EncryptVolumesApprovalRequests') && root.Resources[id]?.Type === 'AWS::SNS::Topic')).toHaveLength(1);
    expect(types.filter((t) => t === 'AWS::IAM::ManagedPolicy')).toHaveLength(1);
    for (const { template } of nested) expect(ofType(template, 'AWS::S3::Bucket').length + ofType(template, 'AWS::DynamoDB::Table').length).toBe(0);
  });

  it('has exactly one lock table in the whole deployment, in the root', () => {
    const tables = synth.stack.node.findAll().filter((c): c is LockTable => c instanceof LockTable);
    expect(tables.map((t) => Stack.of(t))).toEqual([synth.stack]);
    expect(Object.entries(root.Resources).filter(isLockTable)).toHaveLength(1);
    expect(nested.flatMap(({ template }) => Object.entries(template.Resources).filter(isLockTable))).toEqual([]);
    expect(Object.entries(synth.template.toJSON().Resources as CfnTemplate['Resources']).filter(isLockTable)).toHaveLength(1);
  });

  it('stays within CloudFormation\'s quotas in every template', () => {
    const counts = [{ stack: synth.stack.node.path, template: root }, ...nested.map(({ stack, template }) => ({ stack: stack.node.path, template }))]
      .map(({ stack, template }) => ({
        stack,
        resources: Object.keys(template.Resources).length,
        parameters: Object.keys(template.Parameters ?? {}).length,
        outputs: Object.keys(template.Outputs ?? {}).length,
      }));
    console.log(`template sizes (quota ${MAX_RESOURCES} resources, ${MAX_PARAMETERS} parameters, ${MAX_OUTPUTS} outputs):\n`
      + counts.map((c) => `  ${c.stack}: ${c.resources} resources, ${c.parameters} parameters, ${c.outputs} outputs`).join('\n'));
    expect(counts).toHaveLength(WORKFLOWS.length + 1);
    for (const c of counts) {
      expect({ ...c, within: c.resources <= MAX_RESOURCES && c.parameters <= MAX_PARAMETERS && c.outputs <= MAX_OUTPUTS }).toEqual({ ...c, within: true });
    }
  });

  it('passes references across stacks as parameters and outputs: a nested stack is given root resources and sibling outputs only', () => {
    const nestedIds = new Set(ofType(root, NESTED_STACK).map(([id]) => id));
    const rootIds = new Set(Object.keys(root.Resources).filter((id) => !nestedIds.has(id)));
    const passed = ofType(root, NESTED_STACK).flatMap(([id, r]) => Object.values((r.Properties?.Parameters ?? {}) as Record<string, unknown>).map((value) => ({ id, value })));
    expect(passed.length).toBeGreaterThan(0);
    const siblingOutput = (id: string, v: unknown) => {
      const getAtt = (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      return getAtt !== undefined && nestedIds.has(getAtt[0]) && getAtt[0] !== id && getAtt[1].startsWith('Outputs.');
    };
    const rootResource = (v: unknown) => {
      const ref = (v as { Ref?: string }).Ref ?? (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      return ref !== undefined && rootIds.has(ref);
    };
    expect(passed.filter(({ id, value }) => !siblingOutput(id, value) && !rootResource(value))).toEqual([]);
    // triage is given its children's state machine ARNs from their nested stacks.
    const triage = ofType(root, NESTED_STACK).find(([id]) => id.startsWith(nestedStackId('TriageStartInstances')));
    expect(Object.values((triage?.[1].Properties?.Parameters ?? {}) as Record<string, unknown>).filter((v) => siblingOutput(triage?.[0] ?? '', v)).length).toBeGreaterThanOrEqual(4);
  });

});
