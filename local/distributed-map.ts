import { createHash } from 'node:crypto';
import { createS3Client } from '../tasks/lib/clients/s3';
import { readJson, writeJson } from '../tasks/fleet/lib/manifest';
import type { ResultEntry, ResultWriterManifest } from '../tasks/fleet/lib/results';

/**
 * Step Functions' Distributed Map, emulated: aws-local-stepfunctions runs neither DISTRIBUTED Map states (ItemReader,
 * ResultWriter, tolerated failures) nor `.sync` child starts, and moto's Distributed Map enforces no tolerance and
 * refuses an integer ToleratedFailurePercentage. So each DISTRIBUTED Map state becomes a local Task bound to
 * `runDistributedMap`: it reads the items from (moto) S3 as ItemReader does, runs each item's ItemProcessor as its own
 * local execution (the `.sync:2` start inside runs the child workflow through the local runner, in its own history),
 * honours MaxConcurrency and ToleratedFailurePercentage itself, and writes the results as ResultWriter does
 * (`<prefix>/<map run id>/manifest.json` + SUCCEEDED_0.json / FAILED_0.json / PENDING_0.json).
 * Known difference: when the tolerance is breached, Step Functions stops the item executions in flight; here they finish.
 * When aws-local-stepfunctions runs DISTRIBUTED maps itself, this module can go (nothing else depends on it).
 */

type State = Record<string, unknown>;
/** Runs one item's processor (a small state machine of its own) to its end, with the item execution's context. */
export type RunItem = (processor: State, input: unknown, context: { name: string; redriveCount: number; executionArn: string }) => Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string }>;

export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:lambda:local:000000000000:function:local-distributed-map';
/**
 * The local Task's timeout. A Map state has none (the execution's timeout bounds it), but aws-local-stepfunctions
 * gives a Task without TimeoutSeconds 60 s, which failed any fleet whose Map Run took longer with States.Timeout.
 * The largest a Node timer holds (2^31 - 1 ms, about 24.8 days); the runner caps the execution at an hour anyway.
 */
export const LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
export const TOLERANCE_EXCEEDED = 'States.ExceedToleratedFailureThreshold';

/** The definition with each top-level DISTRIBUTED Map replaced by a local Task of the same name, and those Maps by name. */
export function withEmulatedDistributedMaps(definition: State): { definition: State; maps: Record<string, State> } {
  const states = definition.States as Record<string, State>;
  const maps: Record<string, State> = {};
  const replaced: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    const mode = ((state.ItemProcessor as State | undefined)?.ProcessorConfig as State | undefined)?.Mode;
    if (state.Type !== 'Map' || mode !== 'DISTRIBUTED') { replaced[name] = state; continue; }
    maps[name] = state;
    const kept = Object.fromEntries(Object.entries(state).filter(([k]) => ['Next', 'End', 'ResultPath', 'OutputPath', 'InputPath', 'Comment', 'Retry', 'Catch'].includes(k)));
    replaced[name] = { ...kept, Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE, TimeoutSeconds: LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS };
  }
  return { definition: Object.keys(maps).length > 0 ? { ...definition, States: replaced } : definition, maps };
}

/** `$.a.b` of a value (the simple paths our Map fields use). */
function at(value: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z0-9_-]+)*$/.test(path)) throw new Error(`the local Distributed Map reads simple paths only, not ${path}`);
  return path.split('.').slice(1).reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
}
const field = (state: State, name: string, input: unknown): unknown => state[`${name}Path`] !== undefined ? at(input, String(state[`${name}Path`])) : state[name];
function parameters(params: State | undefined, input: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => (k.endsWith('.$') ? [k.slice(0, -2), at(input, String(v))] : [k, v])));
}

export interface MapRunContext {
  executionArn: string;
  stateName: string;
  runItem: RunItem;
  /** Set on a redrive: items that SUCCEEDED in the Map Run before are kept, the others run again. */
  redriveCount?: number;
}

/** Deterministic per execution and state, as the Map Run of one execution is one (a redrive reruns it, it does not make another). */
export const mapRunArnOf = (executionArn: string, stateName: string, label?: string): string => {
  const [, , , region, account, , machine, name] = executionArn.split(':');
  const id = createHash('sha256').update(`${executionArn}/${stateName}`).digest('hex').slice(0, 32).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
  return `arn:aws:states:${region}:${account}:mapRun:${machine}/${label ?? stateName}:${id || name}`;
};

/** One DISTRIBUTED Map state, run locally on `input`: its output as Step Functions gives it with a ResultWriter. */
export async function runDistributedMap(state: State, input: unknown, ctx: MapRunContext): Promise<unknown> {
  const s3 = createS3Client();
  const reader = parameters((state.ItemReader as State).Parameters as State, input) as { Bucket: string; Key: string };
  // ItemSelector (and its $$.Map.Item paths) is not emulated: our fleet passes each item as it is.
  if (state.ItemSelector) throw new Error(`${ctx.stateName}: the local Distributed Map does not emulate ItemSelector`);
  const items = await readJson<unknown[]>(s3, reader.Bucket, reader.Key);
  if (!Array.isArray(items)) throw Object.assign(new Error('ItemReader: the object is not a JSON array'), { name: 'States.ItemReaderFailed' });
  const maxConcurrency = Number(field(state, 'MaxConcurrency', input) ?? 0) || items.length || 1;
  const tolerance = Number(field(state, 'ToleratedFailurePercentage', input) ?? 0);
  const writer = parameters((state.ResultWriter as State).Parameters as State, input) as { Bucket: string; Prefix?: string };
  const mapRunArn = mapRunArnOf(ctx.executionArn, ctx.stateName, state.Label as string | undefined);
  const runId = mapRunArn.split(':').pop() as string;
  const base = `${writer.Prefix ? `${writer.Prefix}/` : ''}${runId}`;
  const manifestKey = `${base}/manifest.json`;

  const previous = ctx.redriveCount ? await previousResults(s3, writer.Bucket, manifestKey) : new Map<string, ResultEntry>();
  const entries: (ResultEntry | undefined)[] = items.map((item) => (previous.get(JSON.stringify(item))?.Status === 'SUCCEEDED' ? previous.get(JSON.stringify(item)) : undefined));
  const failed = () => entries.filter((e) => e?.Status === 'FAILED').length;
  const breached = () => (failed() * 100) / items.length > tolerance;
  const todo = items.map((_, i) => i).filter((i) => !entries[i]);
  const runOne = async (index: number) => {
    const item = items[index];
    // An item that never started (PENDING) starts now as a first run; one that failed is redriven.
    const prior = previous.get(JSON.stringify(item))?.Status === 'FAILED' ? previous.get(JSON.stringify(item)) : undefined;
    const redriveCount = prior ? (prior.RedriveCount ?? 0) + 1 : 0;
    const name = prior?.Name ?? `${createHash('sha256').update(`${mapRunArn}/${index}`).digest('hex').slice(0, 32)}`;
    const itemInput = item;
    const startDate = new Date().toISOString();
    const executionArn = `${mapRunArn.replace(':mapRun:', ':execution:')}:${name}`;
    const result = await ctx.runItem(state.ItemProcessor as State, itemInput, { name, redriveCount, executionArn });
    entries[index] = {
      ExecutionArn: executionArn, Name: name, Input: JSON.stringify(itemInput), Status: result.status,
      StartDate: startDate, StopDate: new Date().toISOString(), RedriveCount: redriveCount,
      ...(result.status === 'SUCCEEDED' ? { Output: JSON.stringify(result.output) } : { Error: result.error ?? 'States.TaskFailed', Cause: result.cause ?? '' }),
    };
  };
  // MaxConcurrency items at once; once failures pass the tolerance, no further item starts.
  const queue = [...todo];
  await Promise.all(Array.from({ length: Math.min(maxConcurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined && !breached(); next = queue.shift()) await runOne(next);
  }));
  const pending = items.map((item, i) => (entries[i] ? undefined : { ExecutionArn: '', Input: JSON.stringify(item), Status: 'PENDING' })).filter((e): e is ResultEntry => e !== undefined);
  const files: ResultWriterManifest['ResultFiles'] = {};
  for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    const list = status === 'PENDING' ? pending : entries.filter((e): e is ResultEntry => e?.Status === status);
    if (list.length === 0) continue;
    const key = `${base}/${status}_0.json`;
    const body = JSON.stringify(list);
    await writeJson(s3, writer.Bucket, key, list);
    files[status] = [{ Key: key, Size: Buffer.byteLength(body) }];
  }
  await writeJson(s3, writer.Bucket, manifestKey, { DestinationBucket: writer.Bucket, MapRunArn: mapRunArn, ResultFiles: files } satisfies ResultWriterManifest);
  if (breached()) {
    throw Object.assign(new Error(`The specified tolerated failure threshold was exceeded: ${failed()} of ${items.length} items failed (tolerated ${tolerance}%)`), { name: TOLERANCE_EXCEEDED });
  }
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: writer.Bucket, Key: manifestKey } };
}

/** The entries of the Map Run's earlier results, by item (a redrive keeps what SUCCEEDED and reruns the rest). */
async function previousResults(s3: ReturnType<typeof createS3Client>, bucket: string, manifestKey: string): Promise<Map<string, ResultEntry>> {
  const manifest = await readJson<ResultWriterManifest>(s3, bucket, manifestKey);
  const byItem = new Map<string, ResultEntry>();
  for (const files of Object.values(manifest.ResultFiles)) {
    for (const file of files ?? []) for (const entry of await readJson<ResultEntry[]>(s3, bucket, file.Key)) byItem.set(entry.Input, entry);
  }
  return byItem;
}

/** The `.sync:2` start integration: Task states of an item processor whose Resource this is start (and wait for) a child. */
const START_SYNC = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;

/** A Task state that starts a child and waits for it (`states:startExecution.sync` / `.sync:2`). */
export const isStartSync = (state: Record<string, unknown>): boolean => state.Type === 'Task' && START_SYNC.test(String(state.Resource));

/**
 * The `.sync:2` task's local handler: runs the child through `startChild` to its end. A child that fails fails the task
 * as Step Functions fails it: States.TaskFailed, the child's description as JSON in the cause.
 */
export function startSyncHandler(startChild: (params: { StateMachineArn: string; Name: string; Input: unknown }) => Promise<SyncChild>) {
  return async (params: unknown): Promise<unknown> => {
    const child = await startChild(params as { StateMachineArn: string; Name: string; Input: unknown });
    const description = {
      ExecutionArn: child.executionArn, Name: child.name, StateMachineArn: (params as { StateMachineArn: string }).StateMachineArn, Status: child.status,
      StartDate: child.startDate, StopDate: child.stopDate, Input: (params as { Input: unknown }).Input,
    };
    if (child.status === 'SUCCEEDED') return { ...description, Output: child.output };
    throw Object.assign(new Error(JSON.stringify({ ...description, Error: child.error, Cause: child.cause })), { name: 'States.TaskFailed' });
  };
}

/** A child run as the `.sync:2` task sees it: its description on success, or the failure it reports. */
export interface SyncChild { status: string; executionArn: string; name: string; output?: unknown; error?: string; cause?: string; startDate: string; stopDate: string }

type LocalMachine = new (definition: never, options: never) => { run: (input: never, options: never) => { result: Promise<unknown> } };

/** One item's processor as a local execution of its own: its `.sync:2` starts run the child through `startChild`. */
export async function runMapItem(
  Machine: LocalMachine, processor: State, input: unknown, item: { name: string; redriveCount: number; executionArn: string },
  startChild: (params: { StateMachineArn: string; Name: string; Input: unknown }) => Promise<SyncChild>,
): ReturnType<RunItem> {
  // Node timers cannot hold a 30-day task timeout (the runner caps executions at an hour likewise).
  const states = Object.fromEntries(Object.entries(processor.States as Record<string, State>).map(([name, state]) => [
    name, state.TimeoutSeconds === undefined ? state : { ...state, TimeoutSeconds: Math.min(Number(state.TimeoutSeconds), 3600) },
  ]));
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(states)) if (isStartSync(state)) handlers[name] = startSyncHandler(startChild);
  const machine = new Machine({ StartAt: processor.StartAt, States: states } as never, { validationOptions: { noValidate: true } } as never);
  const retryIntervalOverrides = Object.fromEntries(Object.entries(states).filter(([, s]) => Array.isArray(s.Retry)).map(([n]) => [n, 0]));
  try {
    const output = await machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: { Execution: { Id: item.executionArn, Name: item.name, Input: input, StartTime: new Date().toISOString(), RedriveCount: item.redriveCount } },
    } as never).result;
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    return { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message ?? (error as Error).message };
  }
}
