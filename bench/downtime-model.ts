import { DATA_PROFILE, STATE_PROFILE } from '../tasks/lib/polling';
import { checksFor } from './history-model';
import { INITIALIZATION_PROFILE } from '../tasks/ebs/lib/volume-copy';

/**
 * Downtime model for one volume of one stopped instance, per sequence. A model, not a measurement: every
 * rate and latency below is an ASSUMPTION (named, with where it comes from). The shape of each sequence
 * (which steps run while the instance is stopped) follows the workflow definitions; the figures do not.
 */
export const SEQUENCES = ['copy', 'direct', 'volume-copy', 'stop-first'] as const;
export type Sequence = (typeof SEQUENCES)[number];

export const ASSUMPTIONS = {
  /** Snapshot creation, MiB/s. AWS documents no rate; the bench's long-standing 100 MiB/s guess. */
  snapshotMiBps: 100,
  /** Snapshot copy (CopySnapshot, re-encrypting), MiB/s. Standard copies are best effort (no documented rate); assumed equal to creation. */
  copyMiBps: 100,
  /**
   * Background initialization (lazy loading from S3 of a volume made from a snapshot, and a CopyVolumes copy), MiB/s.
   * Assumed at the low end of the provisioned initialization rates as we read EBS's docs (100-300 MiB/s); the issue
   * states "up to hours per TiB". Not verified here.
   */
  initializationMiBps: 100,
  /** Fixed cost of any snapshot, even an empty incremental one, s (assumed). */
  snapshotFixedSeconds: 30,
  /** Fixed cost of a snapshot copy, s (assumed: copies queue before they move data). */
  copyFixedSeconds: 60,
  /** CreateVolume from a snapshot until `available`, s (assumed; blocks load lazily afterwards). */
  createVolumeSeconds: 30,
  /** CopyVolumes until the copy is `available`, s: size-independent per the issue (data initializes in the background); assumed. */
  volumeCopyAvailableSeconds: 60,
  /** StopInstances until `stopped`, and StartInstances until `running`, s (assumed; OS shutdown/boot dominate). */
  stopSeconds: 60,
  startSeconds: 60,
  /** Detach the original and attach the new volume, s (assumed). */
  swapSeconds: 30,
  /** One EBS direct API ListSnapshotBlocks / ListChangedBlocks page, s (assumed: latency is not documented). */
  listPageSeconds: 0.2,
};
export type Assumptions = typeof ASSUMPTIONS;

/** EBS direct API pages: 512 KiB blocks, at most 10,000 per page, a fully written volume. */
export const BLOCK_KIB = 512;
export const BLOCKS_PER_PAGE = 10_000;
export const listPages = (gib: number): number => Math.ceil((gib * 1024 * 1024) / (BLOCK_KIB * BLOCKS_PER_PAGE));

/** Step Functions Standard list price: $0.025 per 1,000 state transitions. */
export const USD_PER_TRANSITION = 0.025 / 1000;
export const stepFunctionsCost = (transitions: number): number => transitions * USD_PER_TRANSITION;

/** Where verify's block comparison runs: all of it while stopped, or the full listing before the stop and only the changed blocks after. */
export type VerifyPlacement = 'in-window' | 'moved-out';

export interface Step {
  step: string;
  seconds: number;
  /** AWS API calls of the step: its mutating call(s), idempotency finds and polls (polls from the real polling profiles). */
  calls: number;
  /** Runs while the instance is stopped (else before the stop, or in the background after the start). */
  phase: 'before' | 'window' | 'background';
}

export interface Downtime {
  sequence: Sequence;
  steps: Step[];
  windowSeconds: number;
  /** After the start: the new volume initializes at reduced performance. */
  backgroundSeconds: number;
  windowCalls: number;
  totalCalls: number;
  /** ListSnapshotBlocks/ListChangedBlocks pages while stopped. */
  windowPages: number;
}

const seconds = (gib: number, mibps: number) => (gib * 1024) / mibps;
/** Checks a data poll loop makes for `work` s on `gib` GiB: the handlers' own adaptive profile. */
const dataPolls = (gib: number, work: number) => checksFor(DATA_PROFILE, gib, work);
const statePolls = (work: number) => checksFor(STATE_PROFILE, 0, work, false);

/** `verify` defaults to the workflow as built: the comparison moved out of the window (tasks/ebs/compare-blocks.ts); 'in-window' is the sequence before it. */
export function downtime(sequence: Sequence, sizeGiB: number, churn: number, verify: VerifyPlacement = 'moved-out', a: Assumptions = ASSUMPTIONS): Downtime {
  const changed = sizeGiB * churn;
  const steps: Step[] = [];
  const add = (phase: Step['phase'], step: string, s: number, calls: number) => steps.push({ step, seconds: s, calls, phase });
  // Snapshot steps: find-by-tag + create, then the poll loop's DescribeSnapshots checks.
  const snapshot = (phase: Step['phase'], what: string, gib: number) => {
    const s = a.snapshotFixedSeconds + seconds(gib, a.snapshotMiBps);
    add(phase, what, s, 2 + dataPolls(gib, s));
  };
  const copy = (phase: Step['phase'], what: string, gib: number) => {
    const s = a.copyFixedSeconds + seconds(gib, a.copyMiBps);
    add(phase, what, s, 2 + dataPolls(gib, s));
  };
  const listing = (phase: Step['phase'], what: string, pages: number) => add(phase, what, pages * a.listPageSeconds, pages);

  if (sequence === 'copy') {
    snapshot('before', 'pre-copy snapshot (full, while running)', sizeGiB);
    copy('before', 'pre-copy encrypted copy (full, while running)', sizeGiB);
    if (verify === 'moved-out') listing('before', 'block comparison of the pre-copy pair (2 full listings)', 2 * listPages(sizeGiB));
  } else if (sequence === 'direct') {
    snapshot('before', 'pre-copy snapshot (full, while running)', sizeGiB);
  }
  add('window', 'StopInstances until stopped', a.stopSeconds, 1 + statePolls(a.stopSeconds));
  // Call counts of the common steps as the local run's call log shows them (bench/run.ts measures copy and direct).
  add('window', 're-check instance', 1, 1);
  if (sequence === 'copy' || sequence === 'direct') snapshot('window', 'final snapshot (blocks changed since the pre-copy)', changed);
  if (sequence === 'copy') copy('window', 'encrypted copy of the final snapshot (incremental)', changed);
  if (sequence === 'stop-first') {
    snapshot('window', 'full snapshot', sizeGiB);
    copy('window', 'full encrypted copy', sizeGiB);
  }
  if (sequence === 'volume-copy') {
    add('window', 'CopyVolumes Encrypted until available', a.volumeCopyAvailableSeconds, 2 + dataPolls(0, a.volumeCopyAvailableSeconds));
  } else {
    add('window', sequence === 'direct' ? 'CreateVolume Encrypted from the snapshot' : 'CreateVolume from the encrypted copy', a.createVolumeSeconds, 2 + dataPolls(0, a.createVolumeSeconds));
  }
  // Find, detach, wait detached, attach, wait attached, DeleteOnTermination and its tag: 9 calls.
  add('window', 'swap (detach, attach)', a.swapSeconds, 9);
  // verify-swap reads the instance and the volumes; only copy-lineage sequences have snapshots to compare.
  add('window', 'verify attributes', 1, 2);
  if (sequence === 'stop-first' || (sequence === 'copy' && verify === 'in-window')) {
    listing('window', 'block comparison (ListSnapshotBlocks, source and copy)', 2 * listPages(sizeGiB));
  } else if (sequence === 'copy') {
    listing('window', 'block comparison of the changed blocks (ListChangedBlocks, source and copy)', 2 * listPages(changed));
  }
  add('window', 'StartInstances until running', a.startSeconds, 1 + statePolls(a.startSeconds));
  const init = seconds(sizeGiB, a.initializationMiBps);
  // CopyVolumes' initialization is followed with DescribeVolumeStatus; snapshot-restored volumes load lazily, unpolled.
  add('background', sequence === 'volume-copy' ? 'initialization (DescribeVolumeStatus polls)' : 'lazy loading from S3 on first read', init,
    sequence === 'volume-copy' ? checksFor(INITIALIZATION_PROFILE, sizeGiB, init) : 0);

  const sum = (phase: Step['phase'] | undefined, key: 'seconds' | 'calls') =>
    steps.filter((s) => phase === undefined || s.phase === phase).reduce((total, s) => total + s[key], 0);
  return {
    sequence, steps,
    windowSeconds: sum('window', 'seconds'), backgroundSeconds: sum('background', 'seconds'),
    windowCalls: sum('window', 'calls'), totalCalls: sum(undefined, 'calls'),
    windowPages: steps.filter((s) => s.phase === 'window' && s.step.startsWith('block comparison')).reduce((t, s) => t + s.calls, 0),
  };
}
