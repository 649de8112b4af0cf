import './polyfills';
import { AsyncLocalStorage } from 'node:async_hooks';
import Module from 'node:module';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../infra/constructs/task-function';
import { installClientHook } from '../tasks/lib/client-hooks';
import { STATE_MACHINE_PREFIX, executionName, executionTarget } from '../tasks/lib/names';
import { nobodyAnswers, taskToken, taskTokenResult, type ApprovalAnswer, type ApprovalRequest } from './approvals';
import { LOCAL_ACCOUNT, everyState, localRegion, synthesizeWorkflows, type LocalWorkflow, type SynthesizedWorkflows } from './definition';
import { Emulation, awsError } from './emulation';
import { describeExecution, executionEnded, stopExecution, trackExecution } from './executions';
import { FaultLayer, type FaultPlan } from './faults';
import { refuseWhatEc2RefusesOnNacls } from './nacl-emulation';
import { accountSettingsCall } from './emulation/account-settings';
import { applyMetadataFilters, completeMetadataOptions, takeMetadataFilters } from './emulation/instance-metadata';
import { newAlarmsHaveInsufficientData, refuseWhatEc2RefusesOnInstanceTypes } from './emulation/instance-type';
import { RunCommandEmulation } from './emulation/run-command';
import { presignedCallerIdentity } from './identities';
import { createStackResources } from './stack-resources';
import { validatedBefore } from './validated';
import { isStartSync, runDistributedMap, runMapItem, startSyncHandler, withEmulatedDistributedMaps, type SyncChild } from './distributed-map';

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
  /** The execution's name (children report through their parent's onEvent). */
  execution?: string;
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
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
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
  /** Times RedriveExecution redrove it (runWorkflow's `redrive`). */
  redriveCount?: number;
  /** With `children: 'record'`: executions this one started, accepted but not run. */
  startedNotRun?: { workflow: string; name: string; input: unknown }[];
}

/** A run as stored while it waits for a task token: RUNNING, its events so far. */
export type WaitingExecution = Omit<LocalExecution, 'status' | 'stopDate'> & { status: 'RUNNING' };

export interface RunOptions {
  executionName?: string;
  faults?: FaultPlan;
  /** Called for each event as it happens (progress output). */
  onEvent?: (event: LocalEvent) => void;
  /** Milliseconds each Wait state lasts locally (default 0). */
  waitMs?: number;
  /**
   * Keep the execution, in Step Functions' history shape, for `remediate --local` (local/store.ts):
   * once RUNNING when it starts to wait for a task token, and when it ends.
   */
  store?: (execution: LocalExecution | WaitingExecution) => void;
  /**
   * Answers a task-token step (an approval) as `remediate approve|reject` would: in-process (tests,
   * the demo) or from another process (local/approvals.ts storeApprover). Without one, nobody
   * answers: the step's timeout counts, here at once.
   */
  approver?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
  /**
   * `record`: a StartExecution of one of our state machines is accepted (names stay unique) and recorded
   * in `startedNotRun`, not run, as Step Functions returns at once and runs it on its own (a test of the
   * parent alone, say triage's 12,000-instance event). Default `run`.
   */
  children?: 'run' | 'record';
  /**
   * Redrive this FAILED execution, as RedriveExecution does: same name, from the state that failed, with that
   * state's input; a Distributed Map there reruns only its failed and not-started items (local/distributed-map.ts).
   */
  redrive?: LocalExecution;
}

export type { ApprovalAnswer, ApprovalRequest };

let synthesized: SynthesizedWorkflows | undefined;
/** The stack's EventBridge rules as synthesized (the demo matches its event against them). */
export let localRules: { logicalId: string; pattern: Record<string, unknown> }[] = [];
/** Task functions' environment from the template; a variable already set (by a test, say) wins. */
export let localEnvironment: Record<string, string> = {};
const usedNames = new Set<string>();
/** The stack as synthesized for the local region (once per process and region). */
export function localStack(): SynthesizedWorkflows {
  const region = localRegion();
  if (synthesized?.region !== region) {
    const previous = localEnvironment;
    synthesized = synthesizeWorkflows(region);
    localEnvironment = synthesized.environment;
    localRules = synthesized.rules;
    // What an earlier region's template set gives way; what a caller set stays.
    for (const [name, value] of Object.entries(localEnvironment)) {
      if (process.env[name] === undefined || process.env[name] === previous[name]) process.env[name] = value;
    }
  }
  return synthesized;
}
export const localWorkflows = (): Record<string, LocalWorkflow> => localStack().workflows;

function loadHandler(file: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(PROJECT_ROOT, file)) as { handler?: Handler };
  if (typeof mod.handler !== 'function') throw new Error(`${file} exports no handler`);
  return mod.handler;
}

const statesWith = (definition: Record<string, unknown>, predicate: (state: Record<string, unknown>) => boolean): string[] =>
  everyState(definition).filter(([, state]) => predicate(state)).map(([name]) => name);

/**
 * StartExecution of one of our state machines, run here. Step Functions would return at
 * once and run the child on its own; locally the child runs to its end first, which keeps
 * tests deterministic. A name already used is refused as Step Functions refuses it.
 */
async function startChild(input: Record<string, unknown>, parent: RunOptions, children: LocalExecution[], notRun: LocalExecution['startedNotRun'] = []): Promise<unknown> {
  const arn = String(input.stateMachineArn);
  const workflow = arn.split(`:stateMachine:${STATE_MACHINE_PREFIX}`)[1];
  if (!workflow || !localWorkflows()[workflow]) throw awsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  const name = String(input.name);
  if (usedNames.has(name)) throw awsError('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
  if (parent.children === 'record') {
    usedNames.add(name);
    notRun.push({ workflow, name, input: JSON.parse(String(input.input ?? '{}')) });
    return { executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${name}`, startDate: new Date(), $metadata: {} };
  }
  const child = await runWorkflow(workflow, JSON.parse(String(input.input ?? '{}')), {
    executionName: name,
    ...(parent.store ? { store: parent.store } : {}),
    ...(parent.approver ? { approver: parent.approver } : {}),
    ...(parent.onEvent ? { onEvent: parent.onEvent } : {}),
  });
  children.push(child);
  return { executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${name}`, startDate: new Date(child.startDate), $metadata: {} };
}

/** The record of a run that failed before its first state, as Step Functions records an execution that fails at once. */
function failedToStart(run: Omit<LocalExecution, 'status' | 'stopDate' | 'events'>, failure: Error, options: RunOptions): LocalExecution {
  const error = failure.name && failure.name !== 'Error' ? failure.name : 'LocalRunnerError';
  const cause = `the local runner could not run the execution: ${failure.message}`;
  const stopDate = new Date().toISOString();
  const events: LocalEvent[] = [
    { at: run.startDate, type: 'ExecutionStarted', execution: run.name, input: run.input },
    { at: stopDate, type: 'ExecutionFailed', execution: run.name, error, cause },
  ];
  const failed: LocalExecution = { ...run, status: 'FAILED', error, cause, stopDate, events };
  for (const event of events) options.onEvent?.(event);
  options.store?.(failed);
  return failed;
}

/** Validated once per definition: asl-validator compiles its schemas on each construction (~0.1 s); run() keeps no state. */
const machines = new WeakMap<Record<string, unknown>, InstanceType<typeof StateMachine>>();
function machineFor(local: LocalWorkflow, startAt?: string): InstanceType<typeof StateMachine> {
  const { definition: runnable } = withEmulatedDistributedMaps(local.definition);
  let machine = startAt ? undefined : machines.get(local.definition);
  if (!machine) {
    // Node timers cannot hold the real 30-day timeout; locally an execution gets at most an hour.
    const definition = { ...runnable, ...(startAt ? { StartAt: startAt } : {}), TimeoutSeconds: Math.min(Number(local.definition.TimeoutSeconds ?? 3600), 3600) };
    // Hashed before the constructor validates it (asl-validator adds QueryLanguage to each state).
    const validated = validatedBefore(definition);
    // A redrive's definition starts at a later state, leaving the first ones unreachable: validated as the original was.
    machine = new StateMachine(definition as never, { validationOptions: validated.known || startAt ? { noValidate: true } : { checkPaths: true } });
    validated.note();
    if (!startAt) machines.set(local.definition, machine);
  }
  return machine;
}

/** The names the CLI and triage give executions too (one function: tasks/lib/names.ts). */
export { executionName as executionNameFor } from '../tasks/lib/names';

/**
 * Runs a synthesized workflow locally: real handlers in-process, AWS calls to the
 * emulator named by AWS_ENDPOINT_URL, through the emulation and fault layer.
 */
export async function runWorkflow(workflow: string, input: Record<string, unknown>, options: RunOptions = {}): Promise<LocalExecution> {
  const run = Symbol(workflow);
  return runScope.run([...(runScope.getStore() ?? []), run], () => runInScope(run, workflow, input, options));
}

/**
 * The runs a call is made for: its own and, for a child, its parents' (a child runs inside its parent's
 * StartExecution). A run's hook handles only its own calls, so runs side by side (the fleet simulation,
 * bench/fleet-simulation.ts) keep their own emulation and faults; a child's calls pass through its parents' hooks as before.
 */
const runScope = new AsyncLocalStorage<readonly symbol[]>();

async function runInScope(run: symbol, workflow: string, input: Record<string, unknown>, options: RunOptions): Promise<LocalExecution> {
  const local = localWorkflows()[workflow];
  if (!local) throw new Error(`unknown workflow ${workflow}`);
  const emulation = new Emulation(options.faults);
  const faults = new FaultLayer(options.faults);
  const runCommand = new RunCommandEmulation(options.faults?.commandFailsAfterRunning);
  const removeHook = installClientHook(async (call, next) => {
    if (!(runScope.getStore() ?? []).includes(run)) return next();
    const awsManagedEbsKey = async () => (await emulation.ebsDefaultKmsKeyId()).KmsKeyId;
    if (call.service === 'ec2' && call.command === 'GetEbsDefaultKmsKeyId') return accountSettingsCall(call, next, awsManagedEbsKey);
    faults.before(call);
    await faults.hold(call);
    const setting = await accountSettingsCall(call, next, awsManagedEbsKey);
    if (setting !== undefined) return faults.after(call, setting);
    if (call.service === 'ebs' && call.command === 'ListSnapshotBlocks') return faults.after(call, await emulation.snapshotBlocks.listSnapshotBlocks(call.input));
    if (call.service === 'ebs' && call.command === 'ListChangedBlocks') return faults.after(call, await emulation.snapshotBlocks.listChangedBlocks(call.input));
    // An identity proof (tasks/lib/identity/proof.ts): moto checks no signature; local/identities.ts does.
    if (call.service === 'sts' && call.command === 'GetCallerIdentity' && 'url' in call.input) {
      return faults.after(call, await presignedCallerIdentity(call.input as { url: string; headers: Record<string, string> }));
    }
    // Through the fault layer's answer too: a lost answer to a start that took effect (the retry finds the execution).
    if (call.service === 'sfn' && call.command === 'StartExecution') return faults.after(call, await startChild(call.input, options, children, startedNotRun));
    if (call.service === 'sfn' && call.command === 'DescribeExecution') return describeExecution(call.input);
    if (call.service === 'sfn' && call.command === 'StopExecution') return stopExecution(call.input);
    const ssmAnswer = await runCommand.answer(call);
    if (ssmAnswer !== undefined) return faults.after(call, ssmAnswer);
    if (call.service === 'ec2' && call.command === 'CreateImage') return faults.after(call, await emulation.createImage(call));
    if (call.service === 'ec2' && call.command === 'CopyVolumes') return faults.after(call, await emulation.copyVolumes(call));
    if (call.service === 'ec2' && call.command === 'DescribeVolumeStatus') return faults.after(call, await emulation.describeVolumeStatus(call));
    if (call.service === 'iam' && call.command === 'CreateServiceLinkedRole') return faults.after(call, await emulation.createServiceLinkedRole(call.input, next));
    if (call.service === 'config' && call.command === 'DescribeDeliveryChannelStatus') return faults.after(call, await emulation.describeDeliveryChannelStatus(call.input));
    if (call.service === 'config' && call.command === 'DescribeConfigurationRecorderStatus') return faults.after(call, await emulation.recorderStatus(await next()));
    await emulation.refuseWhatEc2Refuses(call);
    await emulation.refuseWhatCloudTrailRefuses(call);
    await refuseWhatEc2RefusesOnNacls(call);
    await completeMetadataOptions(call);
    await refuseWhatEc2RefusesOnInstanceTypes(call);
    const metadataFilters = takeMetadataFilters(call);
    const answer = emulation.volumeCopyStates(call, await next());
    await emulation.followUp(call);
    const output = applyMetadataFilters(call.service === 'cloudwatch' && call.command === 'DescribeAlarms' ? newAlarmsHaveInsufficientData(answer) : answer, metadataFilters);
    emulation.snapshotBlocks.noteCreated(call, output);
    await faults.operate(call);
    return faults.after(call, output);
  });

  const invocations: Record<string, number> = {};
  const children: LocalExecution[] = [];
  const startedNotRun: NonNullable<LocalExecution['startedNotRun']> = [];
  const events: LocalEvent[] = options.redrive ? [...options.redrive.events, { at: new Date().toISOString(), type: 'ExecutionRedriven', execution: options.redrive.name }] : [];
  const taskResourceLocalHandlers: Record<string, Handler> = {};
  // A run that cannot start (emulator gone, a handler that fails to load) still gets its name and a FAILED record.
  let setupFailure: Error | undefined;
  const stack = localStack();
  try {
    // The topics tasks publish to and the lock table, before every run, not once per process: a test that
    // resets the emulator between runs would otherwise find them gone (the rest is `remediate local up`'s).
    await createStackResources(stack.owned.filter((r) => r.kind === 'topic' || r.kind === 'table'), stack.region);
    for (const [state, file] of Object.entries(local.handlers)) {
      const handler = loadHandler(file);
      // Lambda hands the handler a fresh copy of its input, never a shared object.
      const invoke = async (taskInput: unknown) => {
        invocations[file] = (invocations[file] ?? 0) + 1;
        return JSON.parse(JSON.stringify((await handler(JSON.parse(JSON.stringify(taskInput)))) ?? null));
      };
      const timeoutSeconds = Number(everyState(local.definition).find(([name]) => name === state)?.[1].TimeoutSeconds ?? 3600);
      taskResourceLocalHandlers[state] = local.callbacks.includes(state)
        ? async (taskInput) => {
          const payload = (taskInput as { Payload: Record<string, unknown> }).Payload;
          await invoke(payload);
          // Step Functions shows the execution RUNNING while it waits for the answer.
          options.store?.({ name, workflow, input, status: 'RUNNING', startDate, events: [...events], invocations, faults, children });
          const request = { execution: name, state, payload, taskToken: taskToken(name), timeoutSeconds, executionArn };
          return taskTokenResult(await (options.approver ?? nobodyAnswers)(request), request);
        }
        : invoke;
    }
    // A `.sync:2` start outside a Distributed Map (isolate-instance's StartKeyRotation): the child runs here to its end.
    for (const state of statesWith(local.definition, isStartSync)) taskResourceLocalHandlers[state] = startSyncHandler((params) => syncChild(params, options, children));
    for (const [state, map] of Object.entries(withEmulatedDistributedMaps(local.definition).maps)) {
      taskResourceLocalHandlers[state] = (mapInput) => runDistributedMap(map, mapInput, {
        executionArn, stateName: state, ...(options.redrive ? { redriveCount: redriveCount } : {}),
        runItem: (processor, itemInput, item) => runMapItem(StateMachine as never, processor, itemInput, item, (params) => syncChild(params, options, children)),
      });
    }
  } catch (error) {
    setupFailure = error as Error;
  }
  const waitTimeOverrides = Object.fromEntries(statesWith(local.definition, (s) => s.Type === 'Wait').map((s) => [s, options.waitMs ?? 0]));
  const retryIntervalOverrides = Object.fromEntries(statesWith(local.definition, (s) => Array.isArray(s.Retry)).map((s) => [s, 0]));

  // Named for what it acts on (tasks/lib/names.ts executionTarget).
  const target = executionTarget(input);
  const at = new Date();
  let name = options.redrive?.name ?? options.executionName ?? executionName(workflow, target, at);
  const redriveCount = options.redrive ? ((options.redrive as { redriveCount?: number }).redriveCount ?? 0) + 1 : 0;
  const redriven = options.redrive ? redriveStart(options.redrive) : undefined;
  // Step Functions refuses a second execution with the same name, and names have one-second resolution:
  // a later run in the same second is numbered instead of waiting for the clock.
  for (let sequence = 2; !options.executionName && !options.redrive && usedNames.has(name); sequence++) name = executionName(workflow, target, at, sequence);
  if (usedNames.has(name) && !options.redrive) {
    // The hook must not outlive a run that never starts: later SDK calls would go through its faults.
    removeHook();
    throw awsError('ExecutionAlreadyExists', `Execution already exists: ${name}`);
  }
  usedNames.add(name);
  const startDate = new Date().toISOString();
  if (setupFailure) {
    removeHook();
    return failedToStart({ name, workflow, input, startDate, invocations, faults, children }, setupFailure, options);
  }
  const machine = machineFor(local, redriven?.state);
  const executionArn = `arn:aws:states:${stack.region}:${LOCAL_ACCOUNT}:execution:${local.stateMachineName}:${name}`;
  let stopped: { error: string; cause: string } | undefined;
  const execution = machine.run((redriven ? redriven.input : input) as never, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        Input: input,
        StartTime: startDate,
        RedriveCount: redriveCount,
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
      Task: { Token: taskToken(name) },
      StateMachine: { Id: `arn:aws:states:${stack.region}:${LOCAL_ACCOUNT}:stateMachine:${local.stateMachineName}`, Name: local.stateMachineName },
    } as never,
  });
  trackExecution(executionArn, (error, cause) => {
    stopped = { error, cause };
    execution.abort();
  });
  const collecting = (async () => {
    for await (const raw of execution.eventLogs as AsyncGenerator<AslEvent>) {
      const event: LocalEvent = { at: new Date(raw.timestamp ?? Date.now()).toISOString(), type: raw.type, execution: name };
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
    result = stopped
      ? { status: 'ABORTED', error: stopped.error, cause: stopped.cause }
      : { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message ?? (error as Error).message };
  } finally {
    removeHook();
  }
  executionEnded(executionArn, result.status);
  await collecting;
  const finished: LocalExecution = {
    name, workflow, input, ...result, startDate, ...(redriveCount ? { redriveCount } : {}), stopDate: new Date().toISOString(), events, invocations, faults, children,
    ...(options.children === 'record' ? { startedNotRun } : {}),
  };
  options.store?.(finished);
  return finished;
}

/** Where a redrive starts: the top-level state the execution failed in, and that state's input. */
function redriveStart(previous: LocalExecution): { state: string; input: unknown } {
  if (previous.status === 'SUCCEEDED') throw awsError('ExecutionNotRedrivable', `Execution ${previous.name} SUCCEEDED: only a failed or aborted execution can be redriven`);
  const entered = previous.events.filter((e) => e.type === 'StateEntered' && !e.parent && e.state);
  const last = entered[entered.length - 1];
  if (!last?.state) throw awsError('ExecutionNotRedrivable', `Execution ${previous.name} failed before its first state`);
  return { state: last.state, input: last.input };
}

/** StartExecution `.sync:2` of one of our state machines, run locally to its end: what the task waits for. */
async function syncChild(params: { StateMachineArn: string; Name: string; Input: unknown }, parent: RunOptions, children: LocalExecution[]): Promise<SyncChild> {
  const workflow = params.StateMachineArn.split(`:stateMachine:${STATE_MACHINE_PREFIX}`)[1];
  if (!workflow || !localWorkflows()[workflow]) throw awsError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${params.StateMachineArn}'`);
  if (usedNames.has(params.Name)) throw awsError('StepFunctions.ExecutionAlreadyExistsException', `Execution Already Exists: '${params.Name}'`);
  const input = typeof params.Input === 'string' ? JSON.parse(params.Input) as Record<string, unknown> : params.Input as Record<string, unknown>;
  const child = await runWorkflow(workflow, input, {
    executionName: params.Name, ...(parent.store ? { store: parent.store } : {}), ...(parent.onEvent ? { onEvent: parent.onEvent } : {}),
  });
  children.push(child);
  return {
    status: child.status, name: child.name, executionArn: `${params.StateMachineArn.replace(':stateMachine:', ':execution:')}:${child.name}`,
    startDate: child.startDate, stopDate: child.stopDate,
    ...(child.output !== undefined ? { output: child.output } : {}), ...(child.error ? { error: child.error } : {}), ...(child.cause !== undefined ? { cause: child.cause } : {}),
  };
}
