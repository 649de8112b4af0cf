import { EBSClient, ListChangedBlocksCommand, ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { VerificationFailedError } from '../../../tasks/lib/errors';
import type { BlockCheck, VolumeWork } from '../../../tasks/ebs/lib/types';
import { awsError, volumeWork } from '../fixtures';

process.env.BLOCK_COMPARE_PAGES_PER_INVOCATION = '4';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../tasks/ebs/compare-blocks') as typeof import('../../../tasks/ebs/compare-blocks');

const ebs = mockClient(EBSClient);
const SNAP = { preSnapshotId: 'snap-pre', preCopyId: 'snap-precopy', finalSnapshotId: 'snap-final', finalCopyId: 'snap-finalcopy' };
const volume = (overrides: Partial<VolumeWork> = {}) => volumeWork({ ...SNAP, ...overrides });
const blocks = (...indexes: number[]) => indexes.map((i) => ({ BlockIndex: i, BlockToken: `t${i}` }));
const matchedPreCopy: BlockCheck = { status: 'matched', method: 'full', nextIndex: 0, blocks: 3, pages: 2, invocations: 1 };

beforeEach(() => ebs.reset());

describe('compare-blocks, pre-copy pair (before the stop)', () => {
  it('pages both listings in lockstep from StartingBlockIndex and records the match', async () => {
    // Prepare
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-pre' }).resolves({ Blocks: blocks(0, 3, 6) });
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy' }).resolvesOnce({ Blocks: blocks(0, 3), NextToken: 'p2' }).resolvesOnce({ Blocks: blocks(6) });

    // Act
    const out = await handler({ volume: volume(), phase: 'pre-copy' });

    // Assess
    expect(out.preCopyBlocks).toEqual({ status: 'matched', method: 'full', nextIndex: 0, blocks: 3, pages: 3, invocations: 1 });
    expect(ebs).toHaveReceivedNthCommandWith(1, ListSnapshotBlocksCommand, { SnapshotId: 'snap-pre', MaxResults: 10000, StartingBlockIndex: 0 });
    expect(ebs).toHaveReceivedNthCommandWith(3, ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy', MaxResults: 10000, NextToken: 'p2' });
  });

  it('stops at its page budget with `pending` and the index reached; the next invocation starts there', async () => {
    // Prepare: pages of one block each, past the budget of 4 pages
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-pre' }).resolvesOnce({ Blocks: blocks(0), NextToken: 'a' }).resolvesOnce({ Blocks: blocks(3), NextToken: 'b' })
      .resolvesOnce({ Blocks: blocks(6), NextToken: 'c' });
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy' }).resolvesOnce({ Blocks: blocks(0), NextToken: 'x' }).resolvesOnce({ Blocks: blocks(3), NextToken: 'y' });

    // Act
    const out = await handler({ volume: volume(), phase: 'pre-copy' });

    // Assess
    expect(out.preCopyBlocks).toEqual({ status: 'pending', method: 'full', nextIndex: 4, blocks: 2, pages: 4, invocations: 1 });

    // Prepare the continuation: both sides restart at block 4
    ebs.reset();
    ebs.on(ListSnapshotBlocksCommand).resolves({ Blocks: blocks(6) });

    // Act
    const last = await handler({ volume: out, phase: 'pre-copy' });

    // Assess
    expect(last.preCopyBlocks).toEqual({ status: 'matched', method: 'full', nextIndex: 0, blocks: 3, pages: 6, invocations: 2 });
    expect(ebs).toHaveReceivedCommandWith(ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy', MaxResults: 10000, StartingBlockIndex: 4 });
  });

  it('reads past empty pages (EBS may return none with a NextToken)', async () => {
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-pre' }).resolves({ Blocks: blocks(0) });
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy' }).resolvesOnce({ Blocks: [], NextToken: 'e' }).resolvesOnce({ Blocks: blocks(0) });

    const out = await handler({ volume: volume(), phase: 'pre-copy' });

    expect(out.preCopyBlocks?.status).toBe('matched');
  });

  it('fails with VerificationFailedError naming the first block the copy lacks', async () => {
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-pre' }).resolves({ Blocks: blocks(0, 3, 6) });
    ebs.on(ListSnapshotBlocksCommand, { SnapshotId: 'snap-precopy' }).resolves({ Blocks: blocks(0, 6) });

    const error = await handler({ volume: volume(), phase: 'pre-copy' }).catch((e: unknown) => e as Error);

    expect(error).toBeInstanceOf(VerificationFailedError);
    expect((error as Error).message).toBe('/dev/xvda pre-copy written blocks differ at block 3: source 3, encrypted copy none');
  });

  it.each(['AccessDeniedException', 'ValidationException'])('records the comparison skipped when the EBS direct API refuses with %s', async (name) => {
    ebs.on(ListSnapshotBlocksCommand).rejects(awsError(name, 'not allowed'));

    const out = await handler({ volume: volume(), phase: 'pre-copy' });

    expect(out.preCopyBlocks).toEqual({ status: 'skipped', method: 'full', nextIndex: 0, blocks: 0, pages: 0, invocations: 0, reason: 'EBS direct API unavailable: not allowed' });
  });

  it('lets a throttling error through with its name for the state machine Retry', async () => {
    ebs.on(ListSnapshotBlocksCommand).rejects(awsError('RequestThrottledException'));

    const error = await handler({ volume: volume(), phase: 'pre-copy' }).catch((e: unknown) => e as Error);

    expect((error as Error).name).toBe('RequestThrottledException');
  });
});

describe('compare-blocks, final pair (in the window)', () => {
  const changed = (first: string, second: string, entries: { BlockIndex: number; FirstBlockToken?: string; SecondBlockToken?: string }[]) =>
    ebs.on(ListChangedBlocksCommand, { FirstSnapshotId: first, SecondSnapshotId: second }).resolves({ ChangedBlocks: entries });

  it('compares only the changed blocks on both lineages when the pre-copy pair matched', async () => {
    // Prepare: block 0 rewritten, block 9 added, on both lineages
    changed('snap-pre', 'snap-final', [{ BlockIndex: 0, FirstBlockToken: 'a', SecondBlockToken: 'b' }, { BlockIndex: 9, SecondBlockToken: 'c' }]);
    changed('snap-precopy', 'snap-finalcopy', [{ BlockIndex: 0, FirstBlockToken: 'x', SecondBlockToken: 'y' }, { BlockIndex: 9, SecondBlockToken: 'z' }]);

    // Act
    const out = await handler({ volume: volume({ preCopyBlocks: matchedPreCopy }), phase: 'final' });

    // Assess
    expect(out.finalBlocks).toEqual({ status: 'matched', method: 'changed', nextIndex: 0, blocks: 2, pages: 2, invocations: 1 });
    expect(ebs).not.toHaveReceivedCommand(ListSnapshotBlocksCommand);
  });

  it('fails when a block the source changed is unchanged on the copy lineage', async () => {
    changed('snap-pre', 'snap-final', [{ BlockIndex: 0, FirstBlockToken: 'a', SecondBlockToken: 'b' }, { BlockIndex: 9, SecondBlockToken: 'c' }]);
    changed('snap-precopy', 'snap-finalcopy', [{ BlockIndex: 9, SecondBlockToken: 'z' }]);

    const error = await handler({ volume: volume({ preCopyBlocks: matchedPreCopy }), phase: 'final' }).catch((e: unknown) => e as Error);

    expect(error).toBeInstanceOf(VerificationFailedError);
    expect((error as Error).message).toBe('/dev/xvda final changed blocks differ at block 0: source 0:11, encrypted copy none');
  });

  it('falls back to the full comparison of the final pair when the copy lineage lists more changes (not incremental)', async () => {
    changed('snap-pre', 'snap-final', [{ BlockIndex: 9, SecondBlockToken: 'c' }]);
    changed('snap-precopy', 'snap-finalcopy', [{ BlockIndex: 0, FirstBlockToken: 'x', SecondBlockToken: 'y' }, { BlockIndex: 9, SecondBlockToken: 'z' }]);

    const out = await handler({ volume: volume({ preCopyBlocks: matchedPreCopy }), phase: 'final' });

    expect(out.finalBlocks).toMatchObject({ status: 'pending', method: 'full', nextIndex: 0, reason: "compared in full: the copy's lineage lists 1 blocks changed that the source's does not (not incremental)" });
  });

  it('falls back to the full comparison when ListChangedBlocks refuses the pair', async () => {
    ebs.on(ListChangedBlocksCommand).rejects(awsError('ValidationException', 'not the same lineage'));

    const out = await handler({ volume: volume({ preCopyBlocks: matchedPreCopy }), phase: 'final' });

    expect(out.finalBlocks).toMatchObject({ status: 'pending', method: 'full', reason: 'compared in full: ListChangedBlocks refused: not the same lineage' });
  });

  it('compares the final pair in full when there was no pre-copy pair', async () => {
    ebs.on(ListSnapshotBlocksCommand).resolves({ Blocks: blocks(0, 3) });

    const out = await handler({ volume: volume({ preSnapshotId: undefined, preCopyId: undefined }), phase: 'final' });

    expect(out.finalBlocks).toEqual({ status: 'matched', method: 'full', nextIndex: 0, blocks: 2, pages: 2, invocations: 1, reason: 'no pre-copy pair (the instance was not running)' });
    expect(ebs).toHaveReceivedCommandWith(ListSnapshotBlocksCommand, { SnapshotId: 'snap-finalcopy', MaxResults: 10000, StartingBlockIndex: 0 });
    expect(ebs).not.toHaveReceivedCommand(ListChangedBlocksCommand);
  });

  it('returns a finished comparison as it is, without calling EBS', async () => {
    const done = volume({ finalBlocks: { ...matchedPreCopy, method: 'changed' } });

    expect(await handler({ volume: done, phase: 'final' })).toEqual(done);
    expect(ebs).not.toHaveReceivedAnyCommand();
  });
});
