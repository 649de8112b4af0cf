import './polyfills';
import Module from 'node:module';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../infra/constructs/task-function';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { installClientHook } from '../tasks/lib/client-hooks';
import { LOCAL_ACCOUNT, LOCAL_REGION, synthesizeWorkflows, type LocalWorkflow } from './definition';
import { Emulation, awsError } from './emulation';
import { FaultLayer, type FaultPlan } from './faults';

// Step Functions stops a Map's queued iterations once one fails; p-limit (used by
// aws-local-stepfunctions) would still start them. Jest maps the module in its
// config; elsewhere this resolver hook does the same.
const moduleWithResolver = Module as unknown as { _resolveFilename: (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string };
const originalResolve = moduleWithResolver._resolveFilename;
moduleWithResolver._resolveFilename = function (request, parent, ...rest) {
  if (request === 'p-limit' && parent?.filename?.includes('aws-local-stepfunctions')) {
    return path.join(__dirname, 'stop-on-failure-limit.js');
  }
  return originalResolve.call(this, request, parent, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

type Handler = (input: unknown) => Promise<unknown>;
type AslEvent = { type: string; timestamp?: number; state?: { name: string; type: string; input?: unknown; output?: unknown }; index?: number; parentState?: { name: string }; Error?: unknown; Cause?: unknown; error?: unknown; cause?: unknown; output?: unknown; input?: unknown };

export interface LocalEvent {
  at: string;
  type: string;
  state?: string;
  stateType?: string;
  index?: number;
  parent?: string;
  error?: string;
  cause?: string;
  input?: unknown;
  output?: unknown;
}

export interface LocalExecution {
  name: string;
  workflow: string;
  input: unknown;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate: string;
  events: LocalEvent[];
  /** Handler invocations, by handler file. */
  invocations: Record<string, number>;
  faults: FaultLayer;
  /** Executions this one started (StartExecution), run locally to their end. */
  children?: LocalExecution[];
}

export interface RunOptions {
  executionName?: string;
  faults?: FaultPlan;
  /** Called for each event as it happens (progress output). */
  onEvent?: (event: LocalEvent) => void;
  /** Milliseconds each Wait state lasts locally (default 0). */
  waitMs?: number;
  /** Keep the execution, in Step Functions' history shape, for `remediate --local` (local/store.ts). */
  store?: (execution: LocalExecution) => void;
  /**
   * Answers a task-token step (an approval) as `remediate approve|reject` would. Without one,
   * nobody answers: the step's timeout counts, here at once.
   */
  approver?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
}

export interface ApprovalRequest {
  execution: string;
  state: string;
  payload: Record<string, unknown>;
}
export type ApprovalAnswer =
  | { approved: true; principal?: string }
  | { approved: false; reason: string; principal?: string }
  | { timeout: true };

const nobodyAnswers = async (): Promise<ApprovalAnswer> => ({ timeout: true });

/** The answer to a task token, as the state machine sees it (SendTaskSuccess / SendTaskFailure / the task's timeout). */
function taskTokenResult(answer: ApprovalAnswer): unknown {
  const at = new Date().toISOString();
  if ('timeout' in answer) throw Object.assign(new Error('no answer before the task timeout'), { name: 'States.Timeout' });
  if (answer.approved) return { approved: true, principal: answer.principal ?? 'local', at };
  throw Object.assign(new Error(JSON.stringify({ approved: false, principal: answer.principal ?? 'local', at, reason: answer.reason })), { name: 'ApprovalRejected' });
}

let cachedWorkflows: Record<string, LocalWorkflow> | undefined;
let localTopics: string[] = [];
let localTables: { name: string; partitionKey: string }[] = [];
/** The stack's EventBridge rules as synthesized (the demo matches its event against them). */
export let localRules: { logicalId: string; pattern: Record<string, unknown> }[] = [];
/** Task functions' environment from the template; a variable already set (by a test, say) wins. */
export let localEnvironment: Record<string, string> = {};
const usedNames = new Set<string>();
export function localWorkflows(): Record<string, LocalWorkflow> {
  if (!cachedWorkflows) {
    const synthesized = synthesizeWorkflows();
    cachedWorkflows = synthesized.workflows;
    localEnvironment = synthesized.environment;
    localTopics = synthesized.topics;
    localTables = synthesized.tables;
    localRules = synthesized.rules;
    for (const [name, value] of Object.entries(localEnvironment)) process.env[name] ??= value;
  }
  return cachedWorkflows;
}

function loadHandler(file: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(PROJECT_ROOT, file)) as { handler?: Handler };
  if (typeof mod.handler !== 'function') throw new Error(`${file} exports no handler`);
  return mod.handler;
}

function statesWith(definition: Record<string, unknown>, predicate: (state: Record<string, unknown>) => boolean): string[] {
  const found: string[] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (predicate(state)) found.push(name);
      const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
      if (processor) walk(processor.States);
      for (const branch of (state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) walk(branch.States);
    }
  };
  walk(definition.States as Record<string, Record<string, unknown>>);
  return found;
}

/**
 * The stack's topics and tables, as the deployed stack has them. Made before every run, not once
 * per process: a test that resets the emulator between runs (moto-api/reset) would otherwise find
 * them gone. Both calls are idempotent (CreateTopic returns the existing topic; an existing table
 * is ResourceInUseException).
 */
async function createStackResources(): Promise<void> {
  const client = new SNSClient({});
  for (const Name of localTopics) await client.send(new CreateTopicCommand({ Name }));
  const dynamodb = new DynamoDBClient({});
  for (const table of localTables) {
    await dynamodb.send(new CreateTableCommand({
      TableName: table.name, BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: table.partitionKey, AttributeType: 'S' }],
    })).catch((error: Error) => {
      if (error.name !== 'ResourceInUseException') throw error;
    });
  }
}

/** Executions of this process by ARN, as DescribeExecution reports them (the lock asks whether its holder still runs). */
const executionStatus = new Map<string, 'RUNNING' | 'SUCCEEDED' | 'FAILED'>();
function describeExecution(input: Record<string, unknown>): unknown {
  const executionArn = String(input.executionArn);
  const status = executionStatus.get(executionArn);
  if (!status) throw awsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  return { executionArn, status, $metadata: {} };
}

/**
 * StartExecution of one of our state machines, run here. Step Functions would return at
 * once and run the child on its own; locally the child runs to its end first, which keeps
 * tests deterministic. A name already used is refused as Step Functions refuses it.
 */
async function startChild(input: Record<string, unknown>, parent: RunOptions, children: LocalExecution[]): Promise<unknown> {
  const arn = String(input.stateMachineArn);
  const workflow = arn.split(':stateMachine:remediation-')[1];
  if (!workflow || !localWorkflows()[workflow]) throw awsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  const name = String(input.name);
  if (usedNames.has(name)) throw awsError('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
  const child = await runWorkflow(workflow, JSON.parse(String(input.input ?? '{}')), {
    executionName: name,
    ...(parent.store ? { store: parent.store } : {}),
    ...(parent.approver ? { approver: parent.approver } : {}),
    ...(parent.onEvent ? { onEvent: parent.onEvent } : {}),
  });
  children.push(child);
  return { executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${name}`, startDate: new Date(child.startDate), $metadata: {} };
}

export function executionNameFor(workflow: string, target: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${workflow}-${target}-${stamp}`.slice(0, 80);
}

/**
 * Runs a synthesized workflow locally: real handlers in-process, AWS calls to the
 * emulator named by AWS_ENDPOINT_URL, through the emulation and fault layer.
 */
export async function runWorkflow(workflow: string, input: Record<string, unknown>, options: RunOptions = {}): Promise<LocalExecution> {
  const local = localWorkflows()[workflow];
  if (!local) throw new Error(`unknown workflow ${workflow}`);
  const emulation = new Emulation();
  const faults = new FaultLayer(options.faults);
  const removeHook = installClientHook(async (call, next) => {
    if (call.service === 'ec2' && call.command === 'GetEbsDefaultKmsKeyId') return emulation.ebsDefaultKmsKeyId();
    faults.before(call);
    if (call.service === 'ebs' && call.command === 'ListSnapshotBlocks') return emulation.listSnapshotBlocks(call.input);
    if (call.service === 'sfn' && call.command === 'StartExecution') return startChild(call.input, options, children);
    if (call.service === 'sfn' && call.command === 'DescribeExecution') return describeExecution(call.input);
    if (call.service === 'iam' && call.command === 'CreateServiceLinkedRole') return faults.after(call, await emulation.createServiceLinkedRole(call.input, next));
    if (call.service === 'config' && call.command === 'DescribeDeliveryChannelStatus') return faults.after(call, await emulation.describeDeliveryChannelStatus(call.input));
    await emulation.refuseWhatEc2Refuses(call);
    await emulation.refuseWhatCloudTrailRefuses(call);
    return faults.after(call, await next());
  });

  const invocations: Record<string, number> = {};
  const children: LocalExecution[] = [];
  const taskResourceLocalHandlers: Record<string, Handler> = {};
  await createStackResources();
  for (const [state, file] of Object.entries(local.handlers)) {
    const handler = loadHandler(file);
    // Lambda hands the handler a fresh copy of its input, never a shared object.
    const invoke = async (taskInput: unknown) => {
      invocations[file] = (invocations[file] ?? 0) + 1;
      return JSON.parse(JSON.stringify((await handler(JSON.parse(JSON.stringify(taskInput)))) ?? null));
    };
    taskResourceLocalHandlers[state] = local.callbacks.includes(state)
      ? async (taskInput) => {
        const payload = (taskInput as { Payload: Record<string, unknown> }).Payload;
        await invoke(payload);
        return taskTokenResult(await (options.approver ?? nobodyAnswers)({ execution: name, state, payload }));
      }
      : invoke;
  }
  const waitTimeOverrides = Object.fromEntries(statesWith(local.definition, (s) => s.Type === 'Wait').map((s) => [s, options.waitMs ?? 0]));
  const retryIntervalOverrides = Object.fromEntries(statesWith(local.definition, (s) => Array.isArray(s.Retry)).map((s) => [s, 0]));

  // Named for what it acts on: the instance, else the event it handles, else the account.
  const target = String(input.instanceId ?? (input.detail as { eventID?: string } | undefined)?.eventID ?? 'account');
  let name = options.executionName ?? executionNameFor(workflow, target);
  // Step Functions refuses a second execution with the same name; names have one-second resolution.
  while (!options.executionName && usedNames.has(name)) {
    await new Promise((r) => setTimeout(r, 250));
    name = executionNameFor(workflow, target);
  }
  if (usedNames.has(name)) throw Object.assign(new Error(`Execution already exists: ${name}`), { name: 'ExecutionAlreadyExists' });
  usedNames.add(name);
  const startDate = new Date().toISOString();
  // Node timers cannot hold the real 30-day timeout; locally an execution gets at most an hour.
  const definition = { ...local.definition, TimeoutSeconds: Math.min(Number(local.definition.TimeoutSeconds ?? 3600), 3600) };
  const machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true } });
  const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${local.stateMachineName}:${name}`;
  executionStatus.set(executionArn, 'RUNNING');
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        Input: input,
        StartTime: startDate,
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
      Task: { Token: `local-task-token:${name}` },
      StateMachine: { Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${local.stateMachineName}`, Name: local.stateMachineName },
    } as never,
  });
  const events: LocalEvent[] = [];
  const collecting = (async () => {
    for await (const raw of execution.eventLogs as AsyncGenerator<AslEvent>) {
      const event: LocalEvent = { at: new Date(raw.timestamp ?? Date.now()).toISOString(), type: raw.type };
      if (raw.state) Object.assign(event, { state: raw.state.name, stateType: raw.state.type });
      const input = raw.state?.input ?? raw.input;
      const output = raw.state?.output ?? raw.output;
      if (input !== undefined) event.input = input;
      if (output !== undefined) event.output = output;
      if (raw.index !== undefined) event.index = raw.index;
      if (raw.parentState) event.parent = raw.parentState.name;
      const error = raw.Error ?? raw.error;
      const cause = raw.Cause ?? raw.cause;
      if (error) event.error = String(error);
      if (cause !== undefined) event.cause = typeof cause === 'string' ? cause : ((cause as Error).message ?? JSON.stringify(cause));
      events.push(event);
      options.onEvent?.(event);
    }
  })();

  let result: Pick<LocalExecution, 'status' | 'output' | 'error' | 'cause'>;
  try {
    result = { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    result = { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message ?? (error as Error).message };
  } finally {
    removeHook();
  }
  executionStatus.set(executionArn, result.status);
  await collecting;
  const finished: LocalExecution = { name, workflow, input, ...result, startDate, stopDate: new Date().toISOString(), events, invocations, faults, children };
  options.store?.(finished);
  return finished;
}
