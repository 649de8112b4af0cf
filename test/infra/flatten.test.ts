import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnOutput, CfnParameter, NestedStack, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { flattenStack, type CfnTemplate } from '../../infra/flatten';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Place = (parent: Construct, id: string) => Construct;
/** As infra/kit/nested-workflow.ts does: `<id>` inside nested stack `<id>Stack`, so logical ids stay those of the single stack. */
const nested: Place = (parent, id) => new Construct(new NestedStack(parent, `${id}Stack`), id);
const single: Place = (_parent, id) => new Construct(Stack.of(_parent), id);

/**
 * GIVEN a topic in the root and queues placed by `place`, referring across every way: parent -> child (an
 * output and a topic name from the second queue), child -> parent (the first queue's name is the topic's),
 * sibling -> sibling and into a nested stack's own nested stack (the second queue sits inside the first's stack).
 */
function build(root: Stack, place: Place): void {
  const topic = new sns.Topic(root, 'Topic');
  const firstScope = place(root, 'First');
  const first = new sqs.Queue(firstScope, 'Queue', { queueName: topic.topicName });
  const second = new sqs.Queue(place(Stack.of(firstScope), 'Second'), 'Queue', { queueName: first.queueName });
  const third = new sqs.Queue(place(root, 'Third'), 'Queue', { queueName: second.queueName });
  new CfnOutput(root, 'ThirdArn', { value: third.queueArn });
  new sns.Topic(root, 'Named', { topicName: second.queueName });
}

function synthesize(make: (root: Stack) => void): { template: CfnTemplate; raw: CfnTemplate } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'remediation-flatten-test-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const root = new Stack(app, 'Root');
  make(root);
  const assembly = app.synth();
  return { template: flattenStack(root, assembly.directory), raw: assembly.getStackByName('Root').template as CfnTemplate };
}

/** aws:cdk:path names the nested stacks: the one difference that is not a resource's. */
const withoutPaths = (template: CfnTemplate) => Object.fromEntries(Object.entries(template.Resources).map(([id, { Metadata: _m, ...r }]) => [id, r]));

describe('flattenStack', () => {
  it('answers the nested stacks as the one stack they stand for: resources, references and outputs', () => {
    // WHEN
    const flat = synthesize((root) => build(root, nested));
    const one = synthesize((root) => build(root, single));
    // THEN
    expect(Object.values(flat.raw.Resources).map((r) => r.Type).filter((t) => t === 'AWS::CloudFormation::Stack')).toHaveLength(2);
    expect(Object.keys(flat.template.Resources)).toHaveLength(5);
    expect(withoutPaths(flat.template)).toEqual(withoutPaths(one.template));
    expect(flat.template.Outputs).toEqual(one.template.Outputs);
    expect(flat.template.Parameters).toEqual(one.template.Parameters);
  });

  it('keeps a nested parameter its parent does not pass as a parameter of the one template', () => {
    const { template } = synthesize((root) => {
      const scope = nested(root, 'Sized');
      const delay = new CfnParameter(Stack.of(scope), 'Delay', { type: 'Number', default: 3 });
      new sqs.CfnQueue(scope, 'Queue', { delaySeconds: delay.valueAsNumber });
    });
    expect(template.Parameters?.Delay).toEqual({ Type: 'Number', Default: 3 });
    const [queue] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SQS::Queue');
    expect(queue?.Properties?.DelaySeconds).toEqual({ Ref: 'Delay' });
  });

  it('fails on a logical id that two stacks hold', () => {
    expect(() => synthesize((root) => {
      new sqs.Queue(nested(root, 'Same'), 'Queue');
      const other = new NestedStack(root, 'Other');
      new sqs.Queue(new Construct(other, 'Same'), 'Queue');
    })).toThrow(/logical id SameQueue\w+ \(in Root\/\w+\) is also in another stack/);
  });
});
