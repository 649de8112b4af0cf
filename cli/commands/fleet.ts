import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeMapRunCommand, ListMapRunsCommand, type MapRunItemCounts, type SFNClient } from '@aws-sdk/client-sfn';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { checkChildInput } from '../../tasks/fleet/validate-fleet-input';
import { FLEET_CHILD_WORKFLOWS } from '../../tasks/fleet/lib/children';
import { FLEET_BUCKET_ENV, readJson, resultsPrefix } from '../../tasks/fleet/lib/manifest';
import { readFleetResults, type FleetCounts, type FleetFailure, type ResultWriterManifest } from '../../tasks/fleet/lib/results';
import { fleetInputSchema, type FleetInput } from '../../tasks/fleet/lib/schema';
import type { FleetReport } from '../../tasks/fleet/summarize-fleet';
import { createS3Client } from '../../tasks/lib/clients/s3';
import { withHooks } from '../../tasks/lib/client-hooks';
import { InvalidInputError } from '../../tasks/lib/errors';
import { parseOrThrow } from '../../tasks/lib/validation';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMPACT, PLAIN } from '../audit/render';
import type { ExecutionDetail } from '../audit/source';
import { CliError, callerOf, executionName, ioOf, resolveRegion, sfnFor, signerOf, sourceFor, type CliDeps, type CommonOptions, type Io } from './context';
import { checkEmulator, readInput } from './start';

export interface FleetStatusOptions extends CommonOptions {
  /** The stack's fleet bucket, to read a failed run's ResultWriter files (default: FLEET_BUCKET; --local: the local stack's). */
  fleetBucket?: string;
}

export interface FleetOptions extends FleetStatusOptions {
  workflow?: string;
  /** `key=v1,v2`, repeatable: targets carrying every tag (any of its values). */
  tag?: string[];
  instance?: string[];
  vpc?: string[];
  group?: string[];
  manifest?: string;
  /** The child's own input (a JSON file or inline JSON). */
  input?: string;
  maxConcurrency?: string;
  toleratedFailurePercentage?: string;
  wait?: boolean;
}

export type FleetMode = FleetInput['mode'];

/** `--tag key=v1,v2` -> a tag filter. */
function parseTag(text: string): { key: string; values: string[] } {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  const values = eq > 0 ? text.slice(eq + 1).split(',').filter((v) => v !== '') : [];
  if (!key || values.length === 0) throw new CliError(`--tag ${text}: expected key=value[,value...]`, 2);
  return { key, values };
}

const numberOption = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) throw new CliError(`${flag} ${text}: expected a number`, 2);
  return n;
};

function selectorOf(options: FleetOptions, mode: FleetMode): FleetInput['selector'] {
  const given = [
    options.tag?.length ? { tags: options.tag.map(parseTag) } : undefined,
    options.instance?.length ? { instanceIds: options.instance } : undefined,
    options.vpc?.length ? { vpcIds: options.vpc } : undefined,
    options.group?.length ? { groupIds: options.group } : undefined,
    options.manifest !== undefined ? { manifest: options.manifest } : undefined,
  ].filter((s) => s !== undefined);
  const flags = mode === 'plan' ? '--tag, --instance, --vpc or --group' : '--manifest, --tag, --instance, --vpc or --group';
  if (given.length !== 1) throw new CliError(`fleet ${mode}: give exactly one selector: ${flags}`, 2);
  return given[0] as FleetInput['selector'];
}

/**
 * The fleet's input from the flags (without its trigger), validated by the fleet's own schema and its check of
 * childInput against the child's schema: refused here, before anything is started.
 */
export function buildFleetInput(mode: FleetMode, options: FleetOptions): Omit<FleetInput, 'trigger'> {
  if (!options.workflow) throw new CliError(`fleet ${mode}: --workflow is required (one of ${FLEET_CHILD_WORKFLOWS.join(', ')})`, 2);
  const maxConcurrency = numberOption('--max-concurrency', options.maxConcurrency);
  const tolerated = numberOption('--tolerated-failure-percentage', options.toleratedFailurePercentage);
  const input = {
    workflow: options.workflow,
    selector: selectorOf(options, mode),
    childInput: readInput(options.input),
    mode,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(tolerated !== undefined ? { toleratedFailurePercentage: tolerated } : {}),
  };
  try {
    const parsed = parseOrThrow(fleetInputSchema, { ...input, trigger: { source: 'cli' } });
    checkChildInput(parsed);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliError(`fleet: ${error.message}`, 2);
    throw error;
  }
  return input as Omit<FleetInput, 'trigger'>;
}

/** Item counts of a fleet's Map Run: done (succeeded), running, failed (failed, timed out or aborted), of total. */
export interface FleetProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  pending: number;
}

export const progressOf = (c: MapRunItemCounts): FleetProgress => ({
  total: c.total ?? 0,
  done: c.succeeded ?? 0,
  running: c.running ?? 0,
  failed: (c.failed ?? 0) + (c.timedOut ?? 0) + (c.aborted ?? 0),
  pending: c.pending ?? 0,
});

export const progressLine = (p: FleetProgress) => `done ${p.done}/${p.total}  running ${p.running}  failed ${p.failed}  pending ${p.pending}`;

/** The live view: a cli-progress bar on a terminal; elsewhere one line per change. */
export class FleetProgressView {
  private bar?: SingleBar;
  private last?: string;

  constructor(private readonly io: Io, private readonly tty: boolean, private readonly stream: NodeJS.WritableStream = process.stdout) {}

  update(p: FleetProgress): void {
    if (!this.tty) {
      const line = progressLine(p);
      if (line !== this.last) this.io.out(line);
      this.last = line;
      return;
    }
    const payload = { done: p.done, running: p.running, failed: p.failed };
    if (!this.bar) {
      this.bar = new SingleBar({ format: 'fleet [{bar}] {value}/{total} | done {done} | running {running} | failed {failed}', hideCursor: true, stream: this.stream });
      this.bar.start(p.total, p.done + p.failed, payload);
    } else {
      this.bar.setTotal(p.total);
      this.bar.update(p.done + p.failed, payload);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** What the summary table shows: a run's report, or for a run that failed past its tolerance its ResultWriter files. */
export interface FleetSummary {
  title: string;
  counts: FleetCounts;
  failures: FleetFailure[];
  excluded?: string[];
  missing?: string[];
  summary?: string;
  planManifest?: string;
  childWorkflow: string;
}

export const summaryOfReport = (report: FleetReport): FleetSummary => ({
  ...report, title: `fleet ${report.mode} of ${report.childWorkflow}: ${report.outcome}`,
});

/** The summary table: counts per outcome (each child error apart), then the failures with their causes. */
export function fleetSummaryText(report: FleetSummary): string {
  const counts = new Table({ head: ['outcome', 'children'], style: PLAIN, chars: COMPACT });
  const { counts: c } = report;
  counts.push(['REMEDIATED', c.REMEDIATED], ['NO_ACTION', c.NO_ACTION], ['PLANNED', c.PLANNED]);
  for (const [error, n] of Object.entries(c.FAILED).sort(([a], [b]) => a.localeCompare(b))) counts.push([`FAILED (${error})`, n]);
  counts.push(['PENDING (not run)', c.PENDING], ['total', c.total]);
  const lines = [report.title, counts.toString()];
  if (report.failures.length > 0) {
    const failures = new Table({ head: ['target', 'error', 'cause'], style: PLAIN, chars: COMPACT, colWidths: [null, null, 80], wordWrap: true } as never);
    for (const f of report.failures) failures.push([f.target, f.error, f.cause]);
    lines.push(`Failures (${report.failures.length})`, failures.toString());
  }
  if (report.excluded?.length) lines.push(`excluded (remediation:exclude=true): ${report.excluded.join(', ')}`);
  if (report.missing?.length) lines.push(`not found: ${report.missing.join(', ')}`);
  if (report.summary) lines.push(`summary: ${report.summary}`);
  if (report.planManifest) lines.push(`plan manifest: ${report.planManifest}`, `apply it: remediate fleet apply --workflow ${report.childWorkflow} --manifest ${report.planManifest}`);
  return lines.join('\n');
}

/**
 * A run that failed at FleetMap (past its tolerance) wrote no summary: its Map Run's ResultWriter files under
 * `runs/<execution>/results/<map run id>/` hold each child's outcome (the latest Map Run's, after a redrive).
 */
async function failedRunSummary(detail: ExecutionDetail, options: FleetStatusOptions, deps: CliDeps): Promise<FleetSummary | undefined> {
  let bucket = options.fleetBucket ?? process.env[FLEET_BUCKET_ENV];
  if (!bucket && options.local) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    bucket = await (require('../../local/fleet') as typeof import('../../local/fleet')).localFleetBucket();
  }
  if (!bucket) return undefined;
  const region = resolveRegion(options);
  const s3 = deps.s3 ?? (region && !options.local ? withHooks(new S3Client({ region }), 's3') : createS3Client());
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${resultsPrefix(detail.name)}/` }));
  const latest = (listed.Contents ?? [])
    .filter((o) => o.Key?.endsWith('/manifest.json'))
    .sort((a, b) => (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0))
    .pop();
  if (!latest?.Key) return undefined;
  const results = await readFleetResults(s3, await readJson<ResultWriterManifest>(s3, bucket, latest.Key));
  const request = JSON.parse(detail.input ?? '{}') as Partial<FleetInput>;
  return {
    title: `fleet ${request.mode ?? 'apply'} of ${request.workflow ?? '?'}: ${detail.status} (from s3://${bucket}/${latest.Key})`,
    counts: results.counts, failures: results.failures, childWorkflow: request.workflow ?? '?',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fleet's Map Run item counts (ListMapRuns, DescribeMapRun); undefined before the Map Run exists. */
async function mapRunProgress(sfn: SFNClient, executionArn: string): Promise<FleetProgress | undefined> {
  const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
  if (!mapRunArn) return undefined;
  const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
  return run.itemCounts ? progressOf(run.itemCounts) : undefined;
}

const reportOf = (detail: ExecutionDetail): FleetReport | undefined => {
  const output = detail.output ? (JSON.parse(detail.output) as Partial<FleetReport>) : undefined;
  return output?.workflow === 'fleet' ? (output as FleetReport) : undefined;
};

/** Follows a fleet run (AWS: polls its Map Run while RUNNING) and prints its summary; exit 0 when it succeeded. */
async function followFleet(execution: string, options: FleetStatusOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const source = sourceFor(options, deps);
  const view = new FleetProgressView(io, !options.json && (deps.isTTY ?? Boolean(process.stdout.isTTY)));
  let detail = await source.describe(execution);
  if (!detail.stateMachineArn.endsWith(`:remediation-${WORKFLOW.fleet}`)) throw new CliError(`${execution} is not a fleet run (it is an execution of ${detail.stateMachineArn})`, 2);
  let progress: FleetProgress | undefined;
  try {
    while (!options.local) {
      progress = (await mapRunProgress(sfnFor(options, deps), detail.executionArn)) ?? progress;
      if (progress && !options.json) view.update(progress);
      if (detail.status !== 'RUNNING') break;
      await sleep(deps.pollIntervalMs ?? 5000);
      detail = await source.describe(detail.executionArn);
    }
  } finally {
    view.stop();
  }
  const report = reportOf(detail);
  const results = !report && detail.status !== 'SUCCEEDED' ? await failedRunSummary(detail, options, deps) : undefined;
  if (options.json) {
    io.out(JSON.stringify({
      executionArn: detail.executionArn, status: detail.status, ...(progress ? { progress } : {}), ...(report ? { report } : {}),
      ...(results ? { results: { counts: results.counts, failures: results.failures } } : {}), ...(detail.error ? { error: detail.error, cause: detail.cause } : {}),
    }, null, 2));
  } else {
    io.out(`${detail.name}: ${detail.status}`);
    if (detail.error) io.out(`error: ${detail.error}${detail.cause ? `\ncause: ${detail.cause}` : ''}`);
    const summary = report ? summaryOfReport(report) : results;
    if (summary) io.out(fleetSummaryText(summary));
    if (detail.error === 'States.ExceedToleratedFailureThreshold') {
      io.out(`RedriveExecution reruns its failed and not-started items${results ? '' : ' (their results: the fleet bucket\'s runs/<execution>/results/; --fleet-bucket to read them)'}.`);
    }
  }
  return detail.status === 'SUCCEEDED' ? 0 : 1;
}

/** `remediate fleet plan|apply`: starts the fleet parent (AWS: StartExecution; --local: the local runner with the fleet emulation). */
export async function fleetStartCommand(mode: FleetMode, options: FleetOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const request = buildFleetInput(mode, options);
  if (options.local) await checkEmulator();
  const principal = await callerOf(options, deps)();
  const input = { ...request, trigger: principal ? { source: 'cli', principal } : { source: 'cli' } };
  const name = executionName(WORKFLOW.fleet, `${mode}-${request.workflow}`, io.now());
  if (options.local) {
    // The local stack's fleet bucket, created in the emulator if missing (require: the bin loads TypeScript through tsx's CommonJS hook).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require('../../local/fleet') as typeof import('../../local/fleet')).localFleetBucket();
  }
  const signer = signerOf(options, deps);
  if (!options.json) io.out(`Starting fleet ${mode} ${JSON.stringify(input)}\nexecution ${name}`);
  const executionArn = await sourceFor(options, deps).start({
    workflow: WORKFLOW.fleet, name, input, proveTrigger: (arn: string) => signer.sign('start', arn),
  });
  // Locally the run has ended when start returns; against AWS, --wait follows it.
  if (!options.local && !options.wait) {
    io.out(options.json ? JSON.stringify({ executionArn, name }, null, 2) : `${executionArn}\nfollow it: remediate fleet status ${name}`);
    return 0;
  }
  return followFleet(executionArn, options, deps);
}

/** `remediate fleet status <execution>`: the live progress of a fleet run, then its summary table. */
export const fleetStatusCommand = (execution: string, options: FleetStatusOptions, deps: CliDeps): Promise<number> => followFleet(execution, options, deps);
