import { NestedStack, type Stack } from 'aws-cdk-lib';
import { RemediationWorkflow } from './remediation-workflow';
import type { WorkflowSpec } from './spec';

/** The nested stack holding workflow `id` is `<id>Stack`: the root keeps `<id>` free for what it owns for it (infra/kit/root.ts). */
export const nestedStackId = (id: string): string => `${id}Stack`;

/**
 * A workflow in a nested stack of its own. Each task brings a Function, a Role, a Policy and a LogGroup, so
 * one stack holding every workflow passes CloudFormation's 500 resources per stack; one nested stack per
 * workflow keeps each template small while `cdk deploy` still deploys the root, and with it every workflow,
 * as one stack. Inside its nested stack the workflow's logical ids are those it had in the single stack.
 */
export function nestedWorkflow<T extends string, R, P>(root: Stack, id: string, spec: WorkflowSpec<T, R, P>, props: P): RemediationWorkflow<T, R, P> {
  const nested = new NestedStack(root, nestedStackId(id), { description: `EC2 remediation workflow ${spec.name}` });
  return new RemediationWorkflow(nested, id, spec, props);
}
