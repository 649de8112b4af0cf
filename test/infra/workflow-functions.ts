import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import type { WorkflowSpec } from '../../infra/kit/spec';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { rolePoliciesByEntry, type PolicyStatement, type RolePolicy } from './iam-policies';
import { kitTaskOf, planCheckTaskOf } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf, sharedBundleOf } from './synth';

export interface WorkflowFunction {
  entry: string;
  /** The role's identity policy, resources as the template holds them (ARN strings, or the table's GetAtt). */
  policy: RolePolicy;
  bundle: string;
}

export interface WorkflowFunctions {
  stack: Stack;
  template: Template;
  /** Each role's policy with its resources resolved to ARNs (iam-policies.ts), for IAM's decisions, by task. */
  resolved: (task: string) => RolePolicy;
  /** By task name (the workflow's own, and the kit's lock tasks). */
  fns: Map<string, WorkflowFunction>;
  remove: () => void;
}

/**
 * One workflow alone in a stack, bundled, acknowledged as RemediationStack does (its tests see only its resources):
 * each function's role policy and bundle, for the least-privilege and IAM simulation tests. Cheaper than the whole stack.
 */
export function synthWorkflowFunctions<T extends string, R, P>(id: string, spec: WorkflowSpec<T, R, P>, props: P): WorkflowFunctions {
  const outdir = mkdtempSync(path.join(os.tmpdir(), `${id}-infra-test-`));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, `${id}Bundles`, { env: ENV });
  new RemediationWorkflow(stack, id, spec, props);
  acknowledgeAcceptedFindings(stack);
  const template = Template.fromStack(stack);
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  const fns = new Map<string, WorkflowFunction>();
  for (const [logicalId, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const metadata = resource.Metadata ?? {};
    const entry = String(metadata[HANDLER_METADATA]);
    const task = (Object.keys(spec.tasks) as T[]).find((t) => spec.tasks[t].entry === entry) ?? kitTaskOf(entry) ?? planCheckTaskOf(entry);
    if (!task) throw new Error(`${logicalId} runs ${entry}, which is no task of ${id}`);
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
    const bundle = sharedBundleOf(entry);
    fns.set(task, { entry, policy: { Version: '2012-10-17', Statement: statements }, bundle });
  }
  const byEntry = rolePoliciesByEntry(template, id, [...fns.values()].map((f) => f.entry));
  const resolved = (task: string): RolePolicy => {
    const policy = byEntry.get(fns.get(task)?.entry ?? '');
    if (!policy) throw new Error(`no function for ${task}`);
    return policy;
  };
  return { stack, template, fns, resolved, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The actions a policy Allows besides the runtime's own (logs, tracing). */
export function allowedActions(policy: RolePolicy): string[] {
  const runtime = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
  const list = <V>(v: V | V[]): V[] => (Array.isArray(v) ? v : [v]);
  return [...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).filter((a) => !runtime.has(a)))].sort();
}
