import { SingleBar } from 'cli-progress';
import type { LocalWorkflow } from '../definition';
import type { LocalEvent } from '../runner';

/** One phase of an execution: a top-level Task or Map state, its repeats (poll loops) and the items it worked on. */
interface Phase {
  state: string;
  entered: number;
  items: Set<string>;
  failed?: string;
}

interface Tracked {
  workflow: string;
  started: number;
  states: number;
  phases: Phase[];
  /** Top-level states entered at least once (the progress bar's value). */
  seen: Set<string>;
  total: number;
}

/** What a Map iteration works on, named by what it is: volume, VPC or instance (else its index). */
export function itemLabel(input: unknown, index: number | undefined): string {
  const fields = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  const candidates = [fields(input), ...Object.values(fields(input)).map(fields)];
  for (const [key, label] of [['volumeId', 'volume'], ['vpcId', 'VPC'], ['instanceId', 'instance']] as const) {
    const found = candidates.find((c) => typeof c[key] === 'string')?.[key];
    if (found) return `${label} ${String(found)}`;
  }
  return `item ${index ?? '?'}`;
}

const PHASE_TYPES = new Set(['Task', 'Map']);

const plural = (kind: string, n: number) => (n === 1 ? kind : `${kind}s`);

/** Item labels (`volume vol-1`, `volume vol-2`) by kind: [['volume', ['vol-1', 'vol-2']]]. */
export function byKind(labels: Iterable<string>): [string, string[]][] {
  const kinds = new Map<string, string[]>();
  for (const label of labels) {
    const [kind = '', ...id] = label.split(' ');
    kinds.set(kind, [...(kinds.get(kind) ?? []), id.join(' ')]);
  }
  return [...kinds];
}

/**
 * The demo's progress: a live line per running execution (cli-progress, on a terminal only) and,
 * when an execution ends, its phases with counts. `verbose` prints every state instead, as it happens.
 */
export class DemoProgress {
  private readonly running = new Map<string, Tracked>();
  private readonly bar?: SingleBar;
  private barShown = false;
  private readonly started = Date.now();

  constructor(private readonly workflows: Record<string, LocalWorkflow>, private readonly verbose = false, private readonly print: (text: string) => void = console.log) {
    if (!verbose && process.stdout.isTTY) {
      this.bar = new SingleBar({ stream: process.stdout, format: '  {workflow} [{bar}] {value}/{total} states | {phase} {items} | {seconds}s', hideCursor: true, clearOnComplete: true });
    }
  }

  /** Prints a line without tearing the live progress line. */
  log(text: string): void {
    const shown = this.barShown;
    this.hideBar();
    this.print(text);
    if (shown) this.showBar();
  }

  readonly onEvent = (event: LocalEvent): void => {
    const name = event.execution ?? '?';
    if (event.type === 'ExecutionStarted') return this.start(name);
    const run = this.running.get(name);
    if (!run) return;
    if (this.verbose) this.printVerbose(event);
    if (event.type === 'StateEntered') this.entered(run, event);
    if (event.type === 'StateFailed' && event.index === undefined && !event.parent) {
      const last = run.phases[run.phases.length - 1];
      if (last && last.state === event.state) last.failed = event.error ?? 'failed';
    }
    if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted' || event.type === 'ExecutionTimeout') {
      this.running.delete(name);
      this.hideBar();
      this.print(this.summary(name, run, event));
      if (this.running.size > 0) this.showBar();
      return;
    }
    this.update(name, run);
  };

  private start(name: string): void {
    const workflow = Object.keys(this.workflows).filter((w) => name.startsWith(`${w}-`)).sort((a, b) => b.length - a.length)[0] ?? name;
    const states = Object.keys((this.workflows[workflow]?.definition.States as Record<string, unknown> | undefined) ?? {}).length;
    this.running.set(name, { workflow, started: Date.now(), states: 0, phases: [], seen: new Set(), total: Math.max(1, states) });
    if (this.verbose) this.print(`${this.at()} ${name} started`);
  }

  private entered(run: Tracked, event: LocalEvent): void {
    run.states += 1;
    const last = run.phases[run.phases.length - 1];
    if (event.parent !== undefined || event.index !== undefined) {
      // Inside a Map iteration: the item belongs to the phase (the Map) it runs in.
      last?.items.add(itemLabel(event.input, event.index));
      return;
    }
    run.seen.add(event.state as string);
    if (!PHASE_TYPES.has(event.stateType ?? '')) return;
    if (last && last.state === event.state) last.entered += 1;
    else run.phases.push({ state: event.state as string, entered: 1, items: new Set() });
  }

  private update(name: string, run: Tracked): void {
    if (!this.bar) return;
    const phase = run.phases[run.phases.length - 1];
    const payload = {
      workflow: name.length > 48 ? `${name.slice(0, 47)}…` : name,
      phase: phase?.state ?? '',
      items: phase && phase.items.size > 0 ? `(${byKind(phase.items).map(([kind, ids]) => `${ids.length} ${plural(kind, ids.length)}`).join(', ')})` : '',
      seconds: ((Date.now() - run.started) / 1000).toFixed(1),
    };
    if (!this.barShown) this.showBar();
    this.bar.setTotal(run.total);
    this.bar.update(Math.min(run.seen.size, run.total), payload);
  }

  private showBar(): void {
    if (!this.bar || this.barShown) return;
    this.bar.start(1, 0, { workflow: '', phase: '', items: '', seconds: '0.0' });
    this.barShown = true;
  }

  private hideBar(): void {
    if (!this.bar || !this.barShown) return;
    this.bar.stop();
    this.barShown = false;
  }

  /** `<name>: SUCCEEDED, 61 states in 2.0s; 2 volumes: vol-1, vol-2` and the phases on one line, with counts. */
  private summary(name: string, run: Tracked, end: LocalEvent): string {
    const outcome = end.type === 'ExecutionSucceeded' ? 'SUCCEEDED' : end.type === 'ExecutionAborted' ? 'ABORTED (stopped)' : `FAILED ${end.error ?? ''}`.trim();
    const items = byKind(new Set(run.phases.flatMap((p) => [...p.items]))).map(([kind, ids]) => `${ids.length} ${plural(kind, ids.length)}: ${ids.join(', ')}`);
    const phases = run.phases.map((p) => {
      const counts = [
        ...byKind(p.items).map(([kind, ids]) => `${ids.length} ${plural(kind, ids.length)}`),
        ...(p.entered > 1 ? [`${p.entered} polls`] : []),
        ...(p.failed ? [`failed: ${p.failed}`] : []),
      ];
      return `${p.state}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
    });
    const took = ((Date.now() - run.started) / 1000).toFixed(1);
    return `${this.at()} ${name}: ${outcome}, ${run.states} states in ${took}s${items.length > 0 ? `; ${items.join('; ')}` : ''}\n         ${phases.join(' → ')}`;
  }

  private printVerbose(event: LocalEvent): void {
    if (event.type !== 'StateEntered' && event.type !== 'StateRetried' && event.type !== 'StateFailed') return;
    const where = event.index !== undefined || event.parent !== undefined ? `  [${itemLabel(event.input, event.index)}] ` : '';
    const what = event.type === 'StateEntered' ? '' : ` (${event.type === 'StateRetried' ? 'retry' : `failed: ${event.error}`})`;
    this.print(`${this.at()} ${where}${event.state}${what}`);
  }

  private at(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)}s`;
  }
}
