import { App } from 'aws-cdk-lib';
import { HANDLER_METADATA } from '../infra/constructs/task-function';
import { RemediationStack } from '../infra/stack';

export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

type CfnValue = string | { [key: string]: unknown } | CfnValue[];
interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface LocalWorkflow {
  /** Plain ASL, as Step Functions would receive it. */
  definition: Record<string, unknown>;
  /** Task state name -> handler file (relative to the project root). */
  handlers: Record<string, string>;
  stateMachineName: string;
}

export const functionArn = (logicalId: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;

function resolve(value: CfnValue): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) throw new Error('unexpected list in definition');
  const [fn, args] = Object.entries(value)[0] ?? [];
  if (fn === 'Fn::Join') {
    const [sep, parts] = args as [string, CfnValue[]];
    return parts.map(resolve).join(sep);
  }
  if (fn === 'Fn::GetAtt') return functionArn((args as string[])[0] as string);
  if (fn === 'Ref') {
    const ref = args as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return LOCAL_REGION;
    if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
}

function collectTaskResources(states: Record<string, Record<string, unknown>>, into: Record<string, string>): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') into[name] = state.Resource as string;
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
    if (processor) collectTaskResources(processor.States, into);
  }
}

/** Synthesizes the stack (without bundling) and returns each workflow's plain ASL and its handler bindings. */
export function synthesizeWorkflows(): Record<string, LocalWorkflow> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RemediationStack(app, 'Local', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, CfnResource> };
  const resources = template.Resources;
  const handlerOf = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const handler = resource.Metadata?.[HANDLER_METADATA];
    if (resource.Type === 'AWS::Lambda::Function' && typeof handler === 'string') handlerOf.set(functionArn(logicalId), handler);
  }
  const workflows: Record<string, LocalWorkflow> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = resource.Properties?.StateMachineName as string;
    const definition = JSON.parse(resolve(resource.Properties?.DefinitionString as CfnValue)) as Record<string, unknown>;
    const resourcesByState: Record<string, string> = {};
    collectTaskResources(definition.States as Record<string, Record<string, unknown>>, resourcesByState);
    const handlers: Record<string, string> = {};
    for (const [state, arn] of Object.entries(resourcesByState)) {
      const handler = handlerOf.get(arn);
      if (!handler) throw new Error(`state ${state} calls ${arn}, which has no ${HANDLER_METADATA} metadata`);
      handlers[state] = handler;
    }
    workflows[name.replace(/^remediation-/, '')] = { definition, handlers, stateMachineName: name };
  }
  return workflows;
}
