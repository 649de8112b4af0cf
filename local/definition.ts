import { existsSync, readFileSync } from 'node:fs';
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

/** Environment variables of every task function, resolved as far as a local run can (ARNs of our own resources). */
export type LocalEnvironment = Record<string, string>;

export interface LocalWorkflow {
  /** Plain ASL, as Step Functions would receive it. */
  definition: Record<string, unknown>;
  /** Task state name -> handler file (relative to the project root). */
  handlers: Record<string, string>;
  /** Task states that wait for a task token. */
  callbacks: string[];
  stateMachineName: string;
}

export const functionArn = (logicalId: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
/** Locally a topic is named by its logical id; the runner creates it in the emulator. */
export const topicArn = (logicalId: string) => `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;

/** Resolves the intrinsics our templates use to the values they would have in the local account. */
function resolver(resources: Record<string, CfnResource>) {
  const arnOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::IAM::Role': return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${resource.Properties?.StateMachineName as string}`;
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${bucketName(logicalId)}`;
      case 'AWS::SNS::Topic': return topicArn(logicalId);
      case 'AWS::Logs::LogGroup': return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${logGroupName(logicalId)}:*`;
      case 'AWS::KMS::Key': return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${logicalId}`;
      case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${logicalId}`;
      default: return functionArn(logicalId);
    }
  };
  const logGroupName = (logicalId: string) => (resources[logicalId]?.Properties?.LogGroupName as string | undefined) ?? logicalId;
  const bucketName = (logicalId: string) => (resources[logicalId]?.Properties?.BucketName as string | undefined) ?? logicalId.toLowerCase();
  const resolve = (value: CfnValue): string => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) throw new Error('unexpected list in definition');
    const [fn, args] = Object.entries(value)[0] ?? [];
    if (fn === 'Fn::Join') {
      const [sep, parts] = args as [string, CfnValue[]];
      return parts.map(resolve).join(sep);
    }
    if (fn === 'Fn::GetAtt') return arnOf((args as string[])[0] as string);
    if (fn === 'Ref') {
      const ref = args as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return LOCAL_REGION;
      if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (resources[ref]?.Type === 'AWS::StepFunctions::StateMachine') return arnOf(ref);
      if (resources[ref]?.Type === 'AWS::S3::Bucket') return bucketName(ref);
      if (resources[ref]?.Type === 'AWS::SNS::Topic') return topicArn(ref);
      if (resources[ref]?.Type === 'AWS::Logs::LogGroup') return logGroupName(ref);
      // Locally a table is named by its logical id; the runner creates it in the emulator.
      if (resources[ref]?.Type === 'AWS::DynamoDB::Table') return ref;
      if (resources[ref]) return ref;
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
  };
  return resolve;
}

/** Task states that wait for a task token (`lambda:invoke.waitForTaskToken`): an answer ends them, not the function. */
const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

function collectTaskResources(states: Record<string, Record<string, unknown>>, into: Record<string, string>, callbacks: string[] = []): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && state.Resource === WAIT_FOR_TOKEN) {
      into[name] = (state.Parameters as { FunctionName: string }).FunctionName;
      callbacks.push(name);
    } else if (state.Type === 'Task') into[name] = state.Resource as string;
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
    if (processor) collectTaskResources(processor.States, into, callbacks);
    for (const branch of (state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) collectTaskResources(branch.States, into, callbacks);
  }
}

/**
 * Synthesizes the stack (without bundling) and returns each workflow's plain ASL and its handler
 * bindings. LOCAL_SYNTH_CACHE names a file with a result synthesized earlier in this run (tests).
 */
export function synthesizeWorkflows(): {
  workflows: Record<string, LocalWorkflow>;
  environment: LocalEnvironment;
  topics: string[];
  /** The stack's DynamoDB tables (named by logical id locally) and their partition keys. */
  tables: { name: string; partitionKey: string }[];
  /** The EventBridge rules of the stack, as synthesized. */
  rules: { logicalId: string; pattern: Record<string, unknown> }[];
} {
  const cache = process.env.LOCAL_SYNTH_CACHE;
  if (cache && existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8'));
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RemediationStack(app, 'Local', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, CfnResource> };
  const resources = template.Resources;
  const resolve = resolver(resources);
  const environment: LocalEnvironment = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables) ?? {};
    for (const [name, value] of Object.entries(variables)) {
      if (name === 'NODE_OPTIONS' || name.startsWith('AWS_')) continue;
      try {
        environment[name] = resolve(value);
      } catch {
        // A value that only exists once deployed (e.g. a parameter): the local caller sets it.
      }
    }
  }
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
    const callbacks: string[] = [];
    collectTaskResources(definition.States as Record<string, Record<string, unknown>>, resourcesByState, callbacks);
    const handlers: Record<string, string> = {};
    for (const [state, arn] of Object.entries(resourcesByState)) {
      const handler = handlerOf.get(arn);
      if (!handler) throw new Error(`state ${state} calls ${arn}, which has no ${HANDLER_METADATA} metadata`);
      handlers[state] = handler;
    }
    workflows[name.replace(/^remediation-/, '')] = { definition, handlers, callbacks, stateMachineName: name };
  }
  const topics = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic').map(([id]) => id);
  const rules = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([logicalId, r]) => ({ logicalId, pattern: r.Properties?.EventPattern as Record<string, unknown> }));
  const tables = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table').map(([name, r]) => ({
    name, partitionKey: ((r.Properties?.KeySchema as { AttributeName: string; KeyType: string }[]).find((k) => k.KeyType === 'HASH'))!.AttributeName,
  }));
  return { workflows, environment, topics, tables, rules };
}
