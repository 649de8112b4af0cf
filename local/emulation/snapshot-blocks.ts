import { createHash } from 'node:crypto';
import { DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

type AwsError = (name: string, message: string) => Error;
interface Lineage { volumeId: string; generation: number; lostBlock: boolean }

/**
 * EBS direct ListSnapshotBlocks and ListChangedBlocks for EC2-made snapshots (moto only knows StartSnapshot ones).
 * The written blocks are a made-up function of the source volume and of the snapshot's generation: the n-th
 * snapshot of a volume this run created sees n - 1 rounds of writes (each rewrites one block in place and adds
 * one), as if the workload wrote between snapshots. An encrypted copy has its source's blocks and generation (so
 * a snapshot and its copy agree, and so do their change lists), unless a fault made it lose its last block.
 * Pages honour MaxResults, StartingBlockIndex and NextToken; `pageSize` shortens them as EBS may.
 */
export class SnapshotBlocks {
  private readonly lineage = new Map<string, Lineage>();
  private readonly snapshotsOfVolume = new Map<string, number>();

  constructor(private readonly ec2: EC2Client, private readonly awsError: AwsError, private readonly faults: { copyLosesBlock?: string; pageSize?: number } = {}) {}

  /** Called with every answered call: records each CreateSnapshot's generation and each CopySnapshot's source. */
  noteCreated(call: AwsCall, output: unknown): void {
    const id = (output as { SnapshotId?: string } | undefined)?.SnapshotId;
    if (call.service !== 'ec2' || !id) return;
    if (call.command === 'CreateSnapshot') {
      const volumeId = call.input.VolumeId as string;
      const generation = (this.snapshotsOfVolume.get(volumeId) ?? 0) + 1;
      this.snapshotsOfVolume.set(volumeId, generation);
      this.lineage.set(id, { volumeId, generation, lostBlock: false });
    } else if (call.command === 'CopySnapshot') {
      const source = this.lineage.get(call.input.SourceSnapshotId as string);
      const tags = (call.input.TagSpecifications as { Tags?: { Key?: string; Value?: string }[] }[] | undefined)?.flatMap((t) => t.Tags ?? []) ?? [];
      const phase = tags.find((t) => t.Key === 'remediation:phase')?.Value;
      if (source) this.lineage.set(id, { ...source, lostBlock: this.faults.copyLosesBlock !== undefined && phase === this.faults.copyLosesBlock });
    }
  }

  /** Written block index -> the generation that last wrote it. */
  private async written(snapshotId: string): Promise<{ blocks: Map<number, number>; volumeId: string; size?: number }> {
    const snapshot = (await this.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })).catch(() => undefined))?.Snapshots?.[0];
    if (!snapshot) throw this.awsError('ResourceNotFoundException', `snapshot ${snapshotId} not found`);
    const volumeId = snapshot.VolumeId ?? snapshotId;
    const known = this.lineage.get(snapshotId) ?? { volumeId, generation: 1, lostBlock: false };
    const digest = createHash('sha256').update(volumeId).digest();
    const base = 1 + (digest.readUInt16BE(0) % Math.max(1, (snapshot.VolumeSize ?? 1) * 8));
    const blocks = new Map<number, number>(Array.from({ length: base }, (_, i) => [i * 3, 0]));
    for (let g = 2; g <= known.generation; g += 1) {
      blocks.set(((g - 2) * 3) % (base * 3), g);
      blocks.set(base * 3 + (g - 2) * 3, g);
    }
    if (known.lostBlock) blocks.delete(Math.max(...blocks.keys()));
    return { blocks, volumeId, ...(snapshot.VolumeSize !== undefined ? { size: snapshot.VolumeSize } : {}) };
  }

  private page<T extends { BlockIndex: number }>(all: T[], input: Record<string, unknown>): { items: T[]; NextToken?: string } {
    const from = input.NextToken ? Number(String(input.NextToken).replace('emulated-', '')) : Number(input.StartingBlockIndex ?? 0);
    const size = Math.min(Number(input.MaxResults ?? 10_000), this.faults.pageSize ?? Infinity);
    const rest = all.filter((b) => b.BlockIndex >= from);
    const items = rest.slice(0, size);
    const after = rest[size];
    return { items, ...(after ? { NextToken: `emulated-${after.BlockIndex}` } : {}) };
  }

  async listSnapshotBlocks(input: Record<string, unknown>): Promise<unknown> {
    const snapshotId = input.SnapshotId as string;
    const { blocks, size } = await this.written(snapshotId);
    const all = [...blocks.keys()].sort((a, b) => a - b).map((i) => ({ BlockIndex: i, BlockToken: `token-${snapshotId}-${i}` }));
    const { items, NextToken } = this.page(all, input);
    return { Blocks: items, BlockSize: 524288, VolumeSize: size, ...(NextToken ? { NextToken } : {}), $metadata: {} };
  }

  /** As EBS: the blocks that differ between two snapshots of one lineage; another lineage is a ValidationException. */
  async listChangedBlocks(input: Record<string, unknown>): Promise<unknown> {
    const [first, second] = [input.FirstSnapshotId as string, input.SecondSnapshotId as string];
    const [a, b] = await Promise.all([this.written(first), this.written(second)]);
    if (a.volumeId !== b.volumeId) throw this.awsError('ValidationException', `snapshots ${first} and ${second} are not of the same lineage`);
    const indexes = [...new Set([...a.blocks.keys(), ...b.blocks.keys()])].filter((i) => a.blocks.get(i) !== b.blocks.get(i)).sort((x, y) => x - y);
    const all = indexes.map((i) => ({
      BlockIndex: i, ...(a.blocks.has(i) ? { FirstBlockToken: `token-${first}-${i}` } : {}), ...(b.blocks.has(i) ? { SecondBlockToken: `token-${second}-${i}` } : {}),
    }));
    const { items, NextToken } = this.page(all, input);
    return { ChangedBlocks: items, BlockSize: 524288, VolumeSize: b.size, ...(NextToken ? { NextToken } : {}), $metadata: {} };
  }
}
