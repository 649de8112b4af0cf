import { createEbsClient } from '../lib/clients/ebs';
import { VerificationFailedError, awsErrorName } from '../lib/errors';
import { readEnv } from '../lib/env';
import { logger } from '../lib/logger';
import * as z from 'zod/mini';
import { PAGE_BUDGET_ENV, compareListings, type Listing } from './lib/block-listing';
import type { BlockCheck, VolumeWork } from './lib/types';

const ebs = createEbsClient();
/** Pages one invocation reads (both sides together): 2,000 at ~0.2 s a page is ~7 minutes, well inside the function's timeout. */
const env = readEnv({ [PAGE_BUDGET_ENV]: z.string().check(z.regex(/^[1-9][0-9]*$/, 'is not a positive integer')) });
const pageBudget = Number(env[PAGE_BUDGET_ENV]);
/** And at most this long reading (the function's timeout is 13 minutes), should EBS answer more slowly than assumed. */
const TIME_BUDGET_MS = 6 * 60 * 1000;
/** The EBS direct APIs refuse (no permission, a key they cannot use, no such lineage): recorded, not fatal. */
const UNAVAILABLE = new Set(['AccessDeniedException', 'ValidationException', 'UnsupportedOperationException']);

export type ComparePhase = 'pre-copy' | 'final';
export interface CompareBlocksEvent { volume: VolumeWork; phase: ComparePhase }

/**
 * Compares a snapshot with its encrypted copy by their EBS direct API block listings, a page budget per
 * invocation: `pending` sends the state machine round again from where this one stopped.
 *
 * pre-copy (before the stop, while the instance runs): every written block of the pre-copy snapshot and of its copy.
 * final (in the window): only what changed since the verified pre-copy pair, on both lineages (ListChangedBlocks
 * pre-copy snapshot -> final snapshot, pre-copy copy -> final copy). Why that proves what the full comparison of
 * the final pair proves: written(final) = written(pre-copy) + blocks the change list adds - blocks it removes, on
 * each lineage, as EBS computes both lists. The pre-copy pair's written blocks are equal (compared before the stop)
 * and the two change lists are equal entry by entry (index, and which side holds the block), so the final pair's
 * written blocks are equal too. It is stricter in one way: a block the source rewrote in place must show as
 * changed on the copy's lineage as well. It cannot see a copy-only rewrite in place (a final copy that is a full
 * copy, not incremental on the pre-copy copy, lists every block as changed): then, and when there was no verified
 * pre-copy pair (instance already stopped, comparison skipped) or EBS refuses the change listing (no common
 * lineage), the final pair is compared in full instead.
 */
export const handler = async ({ volume, phase }: CompareBlocksEvent): Promise<VolumeWork> => {
  const field = phase === 'pre-copy' ? 'preCopyBlocks' : 'finalBlocks';
  const check = volume[field] ?? initial(volume, phase);
  if (check.status !== 'pending') return volume;
  const listings = listingsOf(volume, phase, check.method);
  if (!listings) throw new VerificationFailedError(`${volume.device}: no ${phase} snapshot and encrypted copy recorded to compare`);
  try {
    const step = await compareListings(ebs, listings[0], listings[1], check.nextIndex, pageBudget, check.method === 'changed', Date.now() + TIME_BUDGET_MS);
    if (step.mismatch && check.method === 'changed' && step.mismatch.source === undefined) {
      return { ...volume, [field]: fallback(check, `the copy's lineage lists block ${step.mismatch.index} changed, the source's does not`) };
    }
    if (step.mismatch) {
      const { index, source, copy } = step.mismatch;
      throw new VerificationFailedError(`${volume.device} ${phase} ${check.method === 'changed' ? 'changed blocks' : 'written blocks'} differ at block ${index}: ` +
        `source ${source ?? 'none'}, encrypted copy ${copy ?? 'none'}`);
    }
    if (check.method === 'changed' && step.copyOnly > 0) {
      return { ...volume, [field]: fallback(check, `the copy's lineage lists ${step.copyOnly} blocks changed that the source's does not (not incremental)`) };
    }
    const next: BlockCheck = {
      ...check, status: step.done ? 'matched' : 'pending', nextIndex: step.done ? 0 : step.nextIndex,
      blocks: check.blocks + step.compared, pages: check.pages + step.pages, invocations: check.invocations + 1,
    };
    logger.info('blocks compared', { volumeId: volume.volumeId, phase, method: next.method, status: next.status, pages: next.pages });
    return { ...volume, [field]: next };
  } catch (error) {
    if (!UNAVAILABLE.has(awsErrorName(error) ?? '')) throw error;
    if (check.method === 'changed') return { ...volume, [field]: fallback(check, `ListChangedBlocks refused: ${(error as Error).message}`) };
    return { ...volume, [field]: { ...check, status: 'skipped', reason: `EBS direct API unavailable: ${(error as Error).message}` } };
  }
};

function initial(volume: VolumeWork, phase: ComparePhase): BlockCheck {
  const base = { status: 'pending' as const, nextIndex: 0, blocks: 0, pages: 0, invocations: 0 };
  if (phase === 'pre-copy') return { ...base, method: 'full' };
  if (volume.preCopyBlocks?.status === 'matched' && volume.preCopyBlocks.method === 'full') return { ...base, method: 'changed' };
  return { ...base, method: 'full', reason: volume.preCopyBlocks ? `pre-copy comparison ${volume.preCopyBlocks.status}` : 'no pre-copy pair (the instance was not running)' };
}

const fallback = (check: BlockCheck, reason: string): BlockCheck =>
  ({ ...check, method: 'full', status: 'pending', nextIndex: 0, blocks: 0, reason: `compared in full: ${reason}` });

function listingsOf(v: VolumeWork, phase: ComparePhase, method: BlockCheck['method']): [Listing, Listing] | undefined {
  if (method === 'changed') {
    if (!v.preSnapshotId || !v.finalSnapshotId || !v.preCopyId || !v.finalCopyId) return undefined;
    return [{ kind: 'changed', first: v.preSnapshotId, second: v.finalSnapshotId }, { kind: 'changed', first: v.preCopyId, second: v.finalCopyId }];
  }
  const [source, copy] = phase === 'pre-copy' ? [v.preSnapshotId, v.preCopyId] : [v.finalSnapshotId, v.finalCopyId];
  return source && copy ? [{ kind: 'blocks', snapshotId: source }, { kind: 'blocks', snapshotId: copy }] : undefined;
}
