import Table from 'cli-table3';
import { ASSUMPTIONS, SEQUENCES, downtime, listPages, stepFunctionsCost, type Sequence } from './downtime-model';
import { CHURNS, SIZES_GIB, size, pct, min, hours } from './readme-tables';
import type { MeasuredRun } from './window-calls';

const PLAIN = { head: [], border: [] };
/** verify-swap's task timeout (workflows/encrypt-volumes.ts): a listing longer than this cannot finish in one attempt. */
const VERIFY_TIMEOUT_SECONDS = 14 * 60;

function mainTable(): Table.Table {
  const table = new Table({
    head: ['volume', 'churn', 'copy, full compare in window (before)', 'copy (ours: compare moved out)', 'direct', 'volume-copy', 'stop-first', 'volume-copy init after start (h)', 'lazy load after start, others (h)'],
    style: PLAIN,
  });
  for (const gib of SIZES_GIB) {
    for (const churn of CHURNS) {
      const w = (s: Sequence, verify: 'in-window' | 'moved-out' = 'moved-out') => min(downtime(s, gib, churn, verify).windowSeconds);
      table.push([size(gib), pct(churn), w('copy', 'in-window'), w('copy'), w('direct'), w('volume-copy'), w('stop-first'),
        hours(downtime('volume-copy', gib, churn).backgroundSeconds), hours(downtime('direct', gib, churn).backgroundSeconds)]);
    }
  }
  return table;
}

function callsTable(measured: MeasuredRun[]): Table.Table {
  const table = new Table({ head: ['sequence', ...SIZES_GIB.map((g) => `${size(g)}: window / total (model)`), 'measured locally: window / total calls', 'Lambda tasks window / total (definition, local run)'], style: PLAIN });
  for (const sequence of SEQUENCES) {
    const run = measured.find((m) => m.sequence === sequence);
    table.push([sequence, ...SIZES_GIB.map((g) => { const d = downtime(sequence, g, 0.01); return `${d.windowCalls} / ${d.totalCalls}`; }),
      run ? `${run.windowCalls} / ${run.totalCalls}` : 'no workflow yet', run ? `${run.windowTasks} / ${run.totalTasks}` : 'no workflow yet']);
  }
  return table;
}

function verifyTable(): Table.Table {
  const table = new Table({
    head: ['volume', 'pages per full listing', 'before: pages in window (source + copy)', `in window at ${ASSUMPTIONS.listPageSeconds} s/page (min)`,
      'moved out: pages in window at 1% churn', 'in window (min)', 'window saved (min)', 'before: fit verify\'s 14 min timeout'],
    style: PLAIN,
  });
  for (const gib of SIZES_GIB) {
    const inWindow = downtime('copy', gib, 0.01, 'in-window');
    const movedOut = downtime('copy', gib, 0.01, 'moved-out');
    const listSeconds = inWindow.windowPages * ASSUMPTIONS.listPageSeconds;
    table.push([size(gib), listPages(gib), inWindow.windowPages, min(listSeconds), movedOut.windowPages, min(movedOut.windowPages * ASSUMPTIONS.listPageSeconds),
      min(inWindow.windowSeconds - movedOut.windowSeconds), listSeconds <= VERIFY_TIMEOUT_SECONDS ? 'yes' : 'NO: times out, rolls back']);
  }
  return table;
}

function costTable(happyPath: { volumes: number; transitions: number }[], measured: MeasuredRun[]): Table.Table {
  const table = new Table({ head: ['run (local, happy path)', 'state transitions', 'per volume', 'USD per volume', 'USD per 1,000 volumes'], style: PLAIN });
  const rows = [...happyPath.map((r) => ({ label: `copy, ${r.volumes} volumes`, ...r })), ...measured.map((m) => ({ label: `${m.sequence}, ${m.volumes} volume`, volumes: m.volumes, transitions: m.transitions }))];
  for (const r of rows) {
    const perVolume = r.transitions / r.volumes;
    table.push([r.label, r.transitions, perVolume.toFixed(1), `$${stepFunctionsCost(perVolume).toFixed(5)}`, `$${(1000 * stepFunctionsCost(perVolume)).toFixed(2)}`]);
  }
  return table;
}

export function printDowntimeTables(happyPath: { volumes: number; transitions: number }[], measured: MeasuredRun[]): void {
  const a = ASSUMPTIONS;
  console.log('\nDowntime model: minutes the instance is stopped, per volume (a model: every rate below is an assumption)');
  console.log(mainTable().toString());
  console.log(`Assumptions (bench/downtime-model.ts): snapshot ${a.snapshotMiBps} MiB/s and copy ${a.copyMiBps} MiB/s (no documented rate), ` +
    `+${a.snapshotFixedSeconds} s per snapshot and +${a.copyFixedSeconds} s per copy; CreateVolume ${a.createVolumeSeconds} s; CopyVolumes available in ` +
    `${a.volumeCopyAvailableSeconds} s whatever the size; stop ${a.stopSeconds} s, start ${a.startSeconds} s, swap ${a.swapSeconds} s; ` +
    `initialization/lazy load ${a.initializationMiBps} MiB/s; ${a.listPageSeconds} s per EBS direct API page. Poll lag (the waits' rounding) is not modelled.`);
  console.log('copy and direct pre-copy while running, so only the churn moves while stopped; copy assumes the final copy is incremental on the ' +
    'pre-copy copy (same key and lineage). volume-copy moves no data while stopped but runs at reduced performance until initialized; ' +
    'volumes made from snapshots load lazily too (same assumed rate).');
  console.log('\nAPI calls per volume at 1% churn. Model: the remediation steps only (not validate, lock, preflight, cleanup, report), each mutating call ' +
    'with its idempotency find, polls counted with the handlers\' own polling profiles, list pages of a fully written volume. Measured: every AWS call ' +
    'the handlers made in one local run of a 1-volume instance (all steps), moto completing every poll at once and listing its nearly empty snapshots in one page.');
  console.log(callsTable(measured).toString());
  console.log('\nVerify inside the window: ListSnapshotBlocks for a fully written volume (512 KiB blocks, 10,000 a page); copy lists the final snapshot and its encrypted copy');
  console.log(verifyTable().toString());
  console.log('Moved out: the pre-copy snapshot and its copy are compared in full before the stop; after it only ListChangedBlocks between the pre-copy ' +
    'and final snapshots, on both lineages. Safe where the final copy is incremental on the verified pre-copy copy; otherwise the full listing stays in the window. ' +
    'As built (tasks/ebs/compare-blocks.ts, a page budget per invocation); the table\'s other rows and the call counts use it.');
  console.log('\nStep Functions cost per remediated volume (Standard, $0.025 per 1,000 state transitions; Lambda, EBS and snapshot storage not included)');
  console.log(costTable(happyPath, measured).toString());
}
