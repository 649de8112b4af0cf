import { existsSync, readFileSync } from 'node:fs';
import { InvalidInputError } from '../../tasks/lib/errors';
import { executionTarget } from '../../tasks/lib/names';
import { parseOrThrow } from '../../tasks/lib/validation';
import { toAuditRecord } from '../audit/model';
import { actionsTable, ProgressPrinter, summaryLines } from '../audit/render';
import type { AuditEvent, ExecutionSource } from '../audit/source';
import { motoAnswers } from '../../local/moto';
import { NO_ENDPOINT_MESSAGE } from '../audit/local-source';
import { CLI_WORKFLOWS, workflowNames, type CliWorkflow } from '../workflows';
import { CliError, callerOf, executionName, ioOf, signerOf, sourceFor, type CliDeps, type CommonOptions, type Io } from './context';

export interface StartOptions extends CommonOptions {
  input?: string;
  instance?: string;
  wait?: boolean;
}

export function readInput(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  const raw = text.trimStart().startsWith('{') || !existsSync(text) ? text : readFileSync(text, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new CliError(`--input is neither a readable file nor JSON: ${(error as Error).message}`, 2);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CliError('--input must be a JSON object', 2);
  return value as Record<string, unknown>;
}

function validate(workflow: string, input: Record<string, unknown>): void {
  try {
    parseOrThrow((CLI_WORKFLOWS[workflow] as CliWorkflow).schema, input);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliError(`${workflow}: ${error.message}`, 2);
    throw error;
  }
}

/** The workflow's input with --instance and the CLI trigger added, validated by the workflow's own schema. */
export async function buildInput(workflow: string, options: StartOptions, deps: CliDeps): Promise<{ input: Record<string, unknown>; target: string }> {
  const entry = CLI_WORKFLOWS[workflow];
  if (!entry) throw new CliError(`unknown workflow "${workflow}": expected one of ${workflowNames().join(', ')}`, 2);
  const input = readInput(options.input);
  if (options.instance) {
    if (!entry.targetField) throw new CliError(`${workflow} takes no --instance`, 2);
    input[entry.targetField] = options.instance;
  }
  // Refused before any call, including the caller lookup.
  validate(workflow, { ...input, trigger: input.trigger ?? { source: 'cli' } });
  if (input.trigger === undefined) {
    const principal = await callerOf(options, deps)();
    input.trigger = principal ? { source: 'cli', principal } : { source: 'cli' };
    validate(workflow, input);
  }
  // The workflows that act on an instance are named for it, or for their first network interface (investigate-traffic's eniIds).
  const target = entry.targetField ? executionTarget(input) : 'account';
  return { input, target };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the execution ends, printing what happened since the last poll; returns its final description. */
async function follow(source: ExecutionSource, executionArn: string, io: Io, pollMs: number, printer?: ProgressPrinter) {
  for (;;) {
    const detail = await source.describe(executionArn);
    const progress = printer ?? new ProgressPrinter(detail.startDate, io.out);
    printer = progress;
    progress.accept(await source.history(executionArn));
    if (detail.status !== 'RUNNING') return detail;
    await sleep(pollMs);
  }
}

/** Local runs need an emulator that answers: refused before an execution is named. */
export async function checkEmulator(): Promise<void> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new CliError(NO_ENDPOINT_MESSAGE);
  if (!(await motoAnswers(endpoint))) throw new CliError(`--local: no emulator answers at ${endpoint} (AWS_ENDPOINT_URL); start one with \`remediate local up\``);
}

export async function startCommand(workflow: string, options: StartOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  // Everything is checked before the first API call.
  const { input, target } = await buildInput(workflow, options, deps);
  if (options.local) await checkEmulator();
  const source = sourceFor(options, deps);
  const name = executionName(workflow, target, io.now());
  let printer: ProgressPrinter | undefined;
  const onHistory = options.wait && !options.json
    ? (events: AuditEvent[]) => {
      printer ??= new ProgressPrinter(events[0]?.timestamp ?? io.now(), io.out);
      printer.accept(events);
    }
    : undefined;
  if (!options.json) io.out(`Starting ${workflow} ${JSON.stringify(input)}\nexecution ${name}`);
  const onWaitingForAnswer = options.json ? undefined : ({ execution, state }: { execution: string; state: string }) => io.out(
    `\n  ${execution} waits at ${state} for an answer. In another shell:\n` +
    `    remediate approve ${execution} --local --as <someone other than the requester>\n    remediate reject ${execution} --local --reason "…"\n`);
  // Who starts it, proven: the workflow verifies the proof and reports the trigger verified (else claimed).
  const signer = signerOf(options, deps);
  const proveTrigger = (executionArn: string) => signer.sign('start', executionArn);
  const executionArn = await source.start({ workflow, name, input, onHistory, proveTrigger, ...(onWaitingForAnswer ? { onWaitingForAnswer } : {}) });
  if (!options.wait) {
    io.out(options.json ? JSON.stringify({ executionArn, name }, null, 2) : executionArn);
    return 0;
  }
  const detail = await follow(source, executionArn, options.json ? { ...io, out: () => undefined } : io, deps.pollIntervalMs ?? 5000, printer);
  const record = toAuditRecord(detail);
  const report = detail.output ? (JSON.parse(detail.output) as unknown) : undefined;
  if (options.json) {
    io.out(JSON.stringify({ ...record, report }, null, 2));
  } else {
    io.out(['', ...summaryLines(record)].join('\n'));
    if (record.actions.length > 0) io.out(`Actions (${record.actions.length})\n${actionsTable(record.actions)}`);
    io.out(`Full report: remediate show ${record.name}${options.local ? ' --local' : ''} --json`);
  }
  return detail.status === 'SUCCEEDED' ? 0 : 1;
}
