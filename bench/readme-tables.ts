import { downtime, listPages, type Sequence } from './downtime-model';

/** The sizes and churns the bench prints and the README shows. */
export const SIZES_GIB = [8, 100, 1024, 16 * 1024];
export const CHURNS = [0.001, 0.01, 0.1];

export const size = (gib: number) => (gib >= 1024 ? `${gib / 1024} TiB` : `${gib} GiB`);
export const pct = (churn: number) => `${+(churn * 100).toFixed(1)}%`;
export const min = (s: number) => (s / 60).toFixed(1);
export const hours = (s: number) => (s / 3600).toFixed(1);

/** The README's downtime table rows (minutes stopped), from the model: a test keeps the README equal to them. */
export function readmeDowntimeRows(): string[] {
  return SIZES_GIB.flatMap((gib) => CHURNS.map((churn) => {
    const w = (s: Sequence, verify: 'in-window' | 'moved-out' = 'moved-out') => min(downtime(s, gib, churn, verify).windowSeconds);
    const init = hours(downtime('volume-copy', gib, churn).backgroundSeconds);
    return `| ${size(gib)} | ${pct(churn)} | ${w('copy', 'in-window')} | ${w('copy')} | ${w('direct')} | ${w('volume-copy')} (+${init} h init) | ${w('stop-first')} |`;
  }));
}

/** The README's API-call rows at 1% churn: window / total per sequence, and copy's list pages in the window. */
export function readmeCallRows(): string[] {
  return SIZES_GIB.map((gib) => {
    const calls = (s: Sequence) => { const d = downtime(s, gib, 0.01); return `${d.windowCalls} / ${d.totalCalls}`; };
    return `| ${size(gib)} | ${calls('copy')} | ${calls('direct')} | ${calls('volume-copy')} | ${calls('stop-first')} | ${listPages(gib)} | ` +
      `${downtime('copy', gib, 0.01, 'in-window').windowPages} -> ${downtime('copy', gib, 0.01, 'moved-out').windowPages} |`;
  });
}

/** What the README's fleet row needs of a saved run (bench/fleet-run.ts SavedFleetRun; kept structural so this module loads nothing). */
interface FleetRun {
  figures: {
    instances: number; shards: number; concurrency: number; rates: Record<string, number>; wallSeconds: number; outcomes: Record<string, number>;
    lost: unknown[]; failedToThrottling: number; calls: { perItem: number }; throttles: { throttled: number; toStateMachine: number; stateRetries: number };
  };
}

/** The README's row of the measured fleet run (the saved figures `npm run bench` prints): a test keeps the README equal to it. */
export function readmeFleetRow({ figures: f }: FleetRun): string {
  const rates = Object.entries(f.rates).map(([action, rate]) => `${pct(rate)} of ${action === '*' ? 'every action' : action}`).join(', ');
  const outcomes = Object.entries(f.outcomes).map(([o, n]) => `${o} ${n}`).join(', ');
  const runs = f.shards === 1 ? `${f.concurrency}` : `${f.concurrency} (${f.shards} runs × ${f.concurrency / f.shards})`;
  return `| ${f.instances.toLocaleString('en-US')} × 2 volumes | ${runs} | ${rates} | ${f.wallSeconds.toFixed(0)} s (${min(f.wallSeconds)} min) | ${outcomes} | ` +
    `${f.lost.length} / ${f.failedToThrottling} | ${f.calls.perItem.toFixed(1)} | ${f.throttles.throttled} | ${f.throttles.throttled - f.throttles.toStateMachine} | ` +
    `${f.throttles.toStateMachine} (${f.throttles.stateRetries} state retries) |`;
}
