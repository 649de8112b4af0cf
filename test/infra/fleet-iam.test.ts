import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { FLEET_TASK_SPECS, fleetSpec } from '../../infra/workflows/fleet';
import { FLEET_CHILD_WORKFLOWS } from '../../tasks/fleet/lib/children';
import { decide, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { CDK_CONTEXT, ENV, resourcesOf } from './synth';

// GIVEN the fleet's construct alone in a stack (no bundling: the bundle-vs-grant check is test/infra/task-functions.test.ts),
// WHEN IAM (@cloud-copilot/iam-simulate) sees one request by a task role as synthesized, THEN the fleet's tasks read
// and write only the objects of fleet runs (runs/...) in the fleet bucket, and change nothing in EC2.
let outdir: string;
let policies: Map<string, RolePolicy>;
let bucket: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'fleet-iam-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'FleetTest', { env: ENV });
  const children = Object.fromEntries(FLEET_CHILD_WORKFLOWS.map((w) => [w, {
    machine: sfn.StateMachine.fromStateMachineName(stack, `Given-${w}`, `remediation-${w}`), timeout: Duration.hours(1),
  }])) as never;
  new RemediationWorkflow(stack, 'Fleet', fleetSpec, { children });
  const template = Template.fromStack(stack);
  const [bucketId] = Object.keys(resourcesOf(template, 'AWS::S3::Bucket')).filter((id) => id.startsWith('FleetBucket'));
  // iam-policies resolves a bucket's Ref/Arn to its logical id, lower-cased, as the local runner names it.
  bucket = String(bucketId).toLowerCase();
  policies = rolePoliciesByEntry(template, 'Fleet', Object.values(FLEET_TASK_SPECS).map((t) => t.entry));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

type Case = [what: string, request: Request, expected: Decision];
// The cases are built before the stack is: `<fleet bucket>` stands for its name until the test runs.
const FLEET_BUCKET = '<fleet bucket>';
const obj = (key: string, b = FLEET_BUCKET) => `arn:aws:s3:::${b}/${key}`;
const CASES: Record<string, Case[]> = {
  'tasks/fleet/select-targets.ts': [
    ['reads a plan manifest of a fleet run', { action: 's3:GetObject', resource: obj('runs/plan/plan-manifest.json') }, 'Allowed'],
    ['writes the items manifest', { action: 's3:PutObject', resource: obj('runs/fleet-1/items.json') }, 'Allowed'],
    ['writes nothing outside runs/', { action: 's3:PutObject', resource: obj('other/items.json') }, 'ImplicitlyDenied'],
    ['reads no other bucket', { action: 's3:GetObject', resource: obj('runs/plan.json', 'someone-elses-bucket') }, 'ImplicitlyDenied'],
    ['describes instances (filtered by the handler; no resource-level permission exists)', { action: 'ec2:DescribeInstances', resource: '*' }, 'Allowed'],
    ['changes no instance', { action: 'ec2:StopInstances', resource: `arn:aws:ec2:${ENV.region}:${ENV.account}:instance/i-0123456789abcdef0` }, 'ImplicitlyDenied'],
  ],
  'tasks/fleet/summarize-fleet.ts': [
    ['reads ResultWriter files', { action: 's3:GetObject', resource: obj('runs/fleet-1/results/abc/SUCCEEDED_0.json') }, 'Allowed'],
    ['writes the summary', { action: 's3:PutObject', resource: obj('runs/fleet-1/summary.json') }, 'Allowed'],
    ['deletes nothing', { action: 's3:DeleteObject', resource: obj('runs/fleet-1/summary.json') }, 'ImplicitlyDenied'],
    ['starts no execution', { action: 'states:StartExecution', resource: `arn:aws:states:${ENV.region}:${ENV.account}:stateMachine:remediation-encrypt-volumes` }, 'ImplicitlyDenied'],
  ],
  'tasks/fleet/validate-fleet-input.ts': [
    ['reads no S3 object', { action: 's3:GetObject', resource: obj('runs/x/items.json') }, 'ImplicitlyDenied'],
  ],
};

describe('fleet task roles (iam-simulate)', () => {
  for (const [entry, cases] of Object.entries(CASES)) {
    it.each(cases)(`${entry}: %s`, async (_what, request, expected) => {
      const policy = policies.get(entry);
      expect(policy).toBeDefined();
      expect(await decide(policy as RolePolicy, { ...request, resource: request.resource.replace(FLEET_BUCKET, bucket) })).toBe(expected);
    });
  }
});
