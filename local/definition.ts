import { existsSync, readFileSync } from 'node:fs';
import { HANDLER_METADATA } from '../infra/constructs/task-function';
import { STATE_MACHINE_PREFIX } from '../tasks/lib/names';
import { LOCAL_ACCOUNT, LOCAL_REGION, localRegion } from './account';

export { LOCAL_ACCOUNT, LOCAL_REGION, localRegion };

/** The approval topic's subscriber in the local synth (nothing is sent to it). */
export const LOCAL_APPROVAL_SUBSCRIBER = 'approvals@localhost.localdomain';

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

export const functionArn = (logicalId: string, region = LOCAL_REGION) => `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${logicalId}`;
/** Locally a topic is named by its logical id; the runner creates it in the emulator. */
export const topicArn = (logicalId: string, region = LOCAL_REGION) => `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:${logicalId}`;

/**
 * What the stack owns and the workflows write to, named as locally resolved: every bucket (the
 * destinations and their access-log buckets), topic and table, and the log groups and roles the
 * task functions are given in their environment (the flow-log group and its delivery role).
 * `remediate local up` and the demo create these in the emulator (local/stack-resources.ts).
 */
export type OwnedResource =
  | { kind: 'bucket' | 'log-group' | 'topic'; logicalId: string; name: string }
  | { kind: 'role'; logicalId: string; name: string; trustPolicy: string }
  | { kind: 'table'; logicalId: string; name: string; keySchema: unknown[]; attributeDefinitions: unknown[] };

/** Resolves the intrinsics our templates use to the values they would have in the local account. */
function resolver(resources: Record<string, CfnResource>, region: string) {
  const arnOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::IAM::Role': return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${resource.Properties?.StateMachineName as string}`;
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${bucketName(logicalId)}`;
      case 'AWS::SNS::Topic': return topicArn(logicalId, region);
      case 'AWS::Logs::LogGroup': return `arn:aws:logs:${region}:${LOCAL_ACCOUNT}:log-group:${logGroupName(logicalId)}:*`;
      case 'AWS::KMS::Key': return `arn:aws:kms:${region}:${LOCAL_ACCOUNT}:key/${logicalId}`;
      case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${logicalId}`;
      default: return functionArn(logicalId, region);
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
      if (ref === 'AWS::Region') return region;
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
  return { resolve, bucketName, logGroupName };
}

/** Logical ids a value refers to (Ref, Fn::GetAtt), at any depth. */
function referencesOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencesOf(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') into.add(inner[0]);
      else referencesOf(inner, into);
    }
  }
  return into;
}

function ownedResources(resources: Record<string, CfnResource>, names: ReturnType<typeof resolver>, taskEnvironment: unknown[]): OwnedResource[] {
  const referenced = referencesOf(taskEnvironment);
  const owned: OwnedResource[] = [];
  for (const [logicalId, { Type, Properties = {} }] of Object.entries(resources)) {
    if (Type === 'AWS::S3::Bucket') owned.push({ kind: 'bucket', logicalId, name: names.bucketName(logicalId) });
    if (Type === 'AWS::SNS::Topic') owned.push({ kind: 'topic', logicalId, name: logicalId });
    if (Type === 'AWS::Logs::LogGroup' && referenced.has(logicalId)) owned.push({ kind: 'log-group', logicalId, name: names.logGroupName(logicalId) });
    // Roles a service assumes to deliver for us (flow logs); the functions' own roles have no use locally, where handlers run in-process.
    if (Type === 'AWS::IAM::Role' && referenced.has(logicalId) && !JSON.stringify(Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com')) {
      owned.push({ kind: 'role', logicalId, name: logicalId, trustPolicy: JSON.stringify(Properties.AssumeRolePolicyDocument ?? {}) });
    }
    if (Type === 'AWS::DynamoDB::Table' || Type === 'AWS::DynamoDB::GlobalTable') {
      owned.push({
        kind: 'table', logicalId, name: (Properties.TableName as string | undefined) ?? logicalId,
        keySchema: Properties.KeySchema as unknown[], attributeDefinitions: Properties.AttributeDefinitions as unknown[],
      });
    }
  }
  return owned;
}

/** Every state of an ASL definition, Map iterations included, with its name. */
export function everyState(definition: Record<string, unknown>): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      found.push([name, state]);
      const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
      if (processor) walk(processor.States);
      for (const branch of (state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) walk(branch.States);
    }
  };
  walk(definition.States as Record<string, Record<string, unknown>>);
  return found;
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
export interface SynthesizedWorkflows {
  /** The region the template was synthesized for (ARNs in it name this region). */
  region: string;
  workflows: Record<string, LocalWorkflow>;
  environment: LocalEnvironment;
  /** What the stack owns that the workflows use; see OwnedResource. */
  owned: OwnedResource[];
  /** The EventBridge rules of the stack, as synthesized. */
  rules: { logicalId: string; pattern: Record<string, unknown> }[];
}

export function synthesizeWorkflows(region = localRegion()): SynthesizedWorkflows {
  const cache = process.env.LOCAL_SYNTH_CACHE;
  if (cache && existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as SynthesizedWorkflows;
    if (cached.region === region) return cached;
  }
  // Locally nobody is mailed: the subscriber only satisfies the stack's rule (approval.subscribers); local runs answer in-process or with --local.
  // Loaded here, not at the top: a run that reads LOCAL_SYNTH_CACHE (every test file) never needs the
  // stack's constructs, and loading infra/stack costs about a second each time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RemediationStack } = require('../infra/stack') as typeof import('../infra/stack');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { flattenStack } = require('../infra/flatten') as typeof import('../infra/flatten');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], approval: { subscribers: [LOCAL_APPROVAL_SUBSCRIBER] } } });
  const stack = new RemediationStack(app, 'Local', { env: { account: LOCAL_ACCOUNT, region } });
  // Every workflow is in a nested stack of its own: the runner reads them as the one template they deploy as.
  const template = flattenStack(stack, app.synth().directory) as { Resources: Record<string, CfnResource> };
  const resources = template.Resources;
  const names = resolver(resources, region);
  const { resolve } = names;
  const environment: LocalEnvironment = {};
  const taskEnvironment: unknown[] = [];
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables) ?? {};
    taskEnvironment.push(variables);
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
    if (resource.Type === 'AWS::Lambda::Function' && typeof handler === 'string') handlerOf.set(functionArn(logicalId, region), handler);
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
      // Service integrations (the fleet's StartExecution .sync:2) are no functions: the runner emulates them.
      if (arn.startsWith('arn:aws:states:::')) continue;
      const handler = handlerOf.get(arn);
      if (!handler) throw new Error(`state ${state} calls ${arn}, which has no ${HANDLER_METADATA} metadata`);
      handlers[state] = handler;
    }
    workflows[name.slice(STATE_MACHINE_PREFIX.length)] = { definition, handlers, callbacks, stateMachineName: name };
  }
  const rules = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([logicalId, r]) => ({ logicalId, pattern: r.Properties?.EventPattern as Record<string, unknown> }));
  return { region, workflows, environment, owned: ownedResources(resources, names, taskEnvironment), rules };
}
