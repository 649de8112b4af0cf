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
