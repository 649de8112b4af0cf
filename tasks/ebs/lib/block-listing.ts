import { ListChangedBlocksCommand, ListSnapshotBlocksCommand, type EBSClient } from '@aws-sdk/client-ebs';

/**
 * One side of a block comparison: a listing of block entries in ascending BlockIndex order, read page by
 * page from a starting index. An entry's `key` is what must agree between the two sides: the index of a
 * written block (ListSnapshotBlocks), or the index and which snapshot holds it (ListChangedBlocks).
 */
export interface BlockEntry { index: number; key: string }
export type Listing = { kind: 'blocks'; snapshotId: string } | { kind: 'changed'; first: string; second: string };

/** The environment variable with the pages one invocation of compare-blocks may read (the stack sets it). */
export const PAGE_BUDGET_ENV = 'BLOCK_COMPARE_PAGES_PER_INVOCATION';

/** The EBS direct APIs' largest page. */
export const PAGE_SIZE = 10_000;

export async function readPage(ebs: EBSClient, listing: Listing, start: number, token: string | undefined): Promise<{ entries: BlockEntry[]; token?: string }> {
  const paging = { MaxResults: PAGE_SIZE, ...(token ? { NextToken: token } : { StartingBlockIndex: start }) };
  if (listing.kind === 'blocks') {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: listing.snapshotId, ...paging }));
    return { entries: (page.Blocks ?? []).map((b) => ({ index: b.BlockIndex ?? 0, key: String(b.BlockIndex) })), ...(page.NextToken ? { token: page.NextToken } : {}) };
  }
  const page = await ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: listing.first, SecondSnapshotId: listing.second, ...paging }));
  return {
    entries: (page.ChangedBlocks ?? []).map((b) => ({ index: b.BlockIndex ?? 0, key: `${b.BlockIndex}:${b.FirstBlockToken ? 1 : 0}${b.SecondBlockToken ? 1 : 0}` })),
    ...(page.NextToken ? { token: page.NextToken } : {}),
  };
}

export interface StepResult {
  /** Every entry below this index is compared and agrees; the next invocation starts here. */
  nextIndex: number;
  done: boolean;
  pages: number;
  /** Entries compared on each side in this invocation. */
  compared: number;
  /** The first index where the two sides disagree, with what each side holds there. */
  mismatch?: { index: number; source?: string; copy?: string };
  /** Copy-side entries the source side lacks, each a block rewritten in place on the copy's side only. */
  copyOnly: number;
}

interface Side { listing: Listing; token?: string; started: boolean; ended: boolean; frontier: number; buffer: BlockEntry[] }

/**
 * Compares two listings from `start` within a page budget, in lockstep: the side that has read less is read
 * next, and the common prefix (up to the lower of the two sides' last indexes read) must hold the same keys.
 * Only the index reached is carried between invocations (both sides restart there with StartingBlockIndex),
 * never a block list, so the state machine's payload stays small whatever the volume size. An empty page
 * (EBS may return fewer blocks than asked, even none) moves the token on and is read past.
 * `deadline` (epoch ms) bounds the time as the budget bounds the pages. `tolerateCopyOnly`: a copy-side entry with both tokens that the source lacks is counted, not a mismatch.
 */
export async function compareListings(
  ebs: EBSClient, source: Listing, copy: Listing, start: number, pageBudget: number, tolerateCopyOnly = false, deadline = Infinity,
): Promise<StepResult> {
  const sides: Side[] = [source, copy].map((listing) => ({ listing, started: false, ended: false, frontier: start - 1, buffer: [] }));
  const [a, b] = sides as [Side, Side];
  let pages = 0;
  let compared = 0;
  let copyOnly = 0;
  let nextIndex = start;
  // Past the budget (pages, or time if EBS answers slowly) only until some progress is made, so every invocation moves on.
  while (!(a.ended && b.ended) && ((pages < pageBudget && Date.now() < deadline) || nextIndex === start)) {
    const side = !a.ended && (b.ended || a.frontier <= b.frontier) ? a : b;
    const page = await readPage(ebs, side.listing, start, side.started ? side.token : undefined);
    pages += 1;
    side.started = true;
    side.buffer.push(...page.entries);
    side.frontier = page.entries.at(-1)?.index ?? side.frontier;
    side.token = page.token;
    side.ended = !page.token;
    const upTo = Math.min(a.ended ? Infinity : a.frontier, b.ended ? Infinity : b.frontier);
    const left = a.buffer.filter((e) => e.index <= upTo);
    const right = b.buffer.filter((e) => e.index <= upTo);
    a.buffer = a.buffer.slice(left.length);
    b.buffer = b.buffer.slice(right.length);
    const sourceAt = new Map(left.map((e) => [e.index, e.key]));
    const copyAt = new Map(right.map((e) => [e.index, e.key]));
    for (const index of [...new Set([...sourceAt.keys(), ...copyAt.keys()])].sort((x, y) => x - y)) {
      const s = sourceAt.get(index);
      const c = copyAt.get(index);
      if (s === c) continue;
      if (tolerateCopyOnly && s === undefined && c?.endsWith(':11')) { copyOnly += 1; continue; }
      return { nextIndex: index, done: true, pages, compared, copyOnly, mismatch: { index, ...(s ? { source: s } : {}), ...(c ? { copy: c } : {}) } };
    }
    compared += left.length;
    if (upTo !== Infinity) nextIndex = upTo + 1;
  }
  const done = a.ended && b.ended;
  return { nextIndex: done ? Number.MAX_SAFE_INTEGER : nextIndex, done, pages, compared, copyOnly };
}
