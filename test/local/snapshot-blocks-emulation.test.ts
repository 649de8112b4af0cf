import { CopySnapshotCommand, CreateSnapshotCommand, CreateVolumeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Emulation } from '../../local/emulation';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AwsCall } from '../../tasks/lib/client-hooks';

let moto: MotoServer;
let ec2: EC2Client;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  ec2 = new EC2Client({});
});
afterAll(() => moto?.stop());

const call = (command: string, input: Record<string, unknown>): AwsCall => ({ service: 'ec2', command, input } as AwsCall);
type Page = { Blocks?: { BlockIndex: number }[]; ChangedBlocks?: { BlockIndex: number; FirstBlockToken?: string; SecondBlockToken?: string }[]; NextToken?: string };

/** A volume with a pre-copy and a final snapshot, each with an encrypted copy, as the emulation saw them made. */
async function lineage(emulation: Emulation, phaseOfCopies = ['pre-copy-encrypted', 'final-encrypted']) {
  const volumeId = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10 }))).VolumeId as string;
  const snapshot = async () => {
    const input = { VolumeId: volumeId };
    const out = await ec2.send(new CreateSnapshotCommand(input));
    emulation.snapshotBlocks.noteCreated(call('CreateSnapshot', input), out);
    return out.SnapshotId as string;
  };
  const copy = async (source: string, phase: string) => {
    const input = { SourceSnapshotId: source, SourceRegion: 'us-east-1', Encrypted: true, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'remediation:phase', Value: phase }] }] };
    const out = await ec2.send(new CopySnapshotCommand(input as never));
    emulation.snapshotBlocks.noteCreated(call('CopySnapshot', input), out);
    return out.SnapshotId as string;
  };
  const pre = await snapshot();
  const preCopy = await copy(pre, phaseOfCopies[0] as string);
  const final = await snapshot();
  const finalCopy = await copy(final, phaseOfCopies[1] as string);
  return { pre, preCopy, final, finalCopy };
}
const indexes = async (emulation: Emulation, snapshotId: string) =>
  ((await emulation.snapshotBlocks.listSnapshotBlocks({ SnapshotId: snapshotId })) as Page).Blocks?.map((b) => b.BlockIndex);
const changes = async (emulation: Emulation, first: string, second: string) =>
  ((await emulation.snapshotBlocks.listChangedBlocks({ FirstSnapshotId: first, SecondSnapshotId: second })) as Page).ChangedBlocks;

describe('EBS direct APIs on EC2 snapshots (moto lacks them): one block model per snapshot generation', () => {
  it('a copy lists its source\'s blocks; a later snapshot adds and rewrites blocks; ListChangedBlocks agrees with both listings', async () => {
    const emulation = new Emulation();
    const s = await lineage(emulation);

    const pre = await indexes(emulation, s.pre);
    const final = await indexes(emulation, s.final);
    expect(await indexes(emulation, s.preCopy)).toEqual(pre);
    expect(await indexes(emulation, s.finalCopy)).toEqual(final);
    const source = await changes(emulation, s.pre, s.final);
    // one block rewritten in place (both tokens), one added (second only): final = pre + the added block
    expect(source?.map((c) => [c.BlockIndex, !!c.FirstBlockToken, !!c.SecondBlockToken])).toEqual([[0, true, true], [3 * (pre?.length ?? 0), false, true]]);
    expect(final).toEqual([...(pre ?? []), 3 * (pre?.length ?? 0)]);
    expect((await changes(emulation, s.preCopy, s.finalCopy))?.map((c) => c.BlockIndex)).toEqual(source?.map((c) => c.BlockIndex));
  });

  it('pages by MaxResults, StartingBlockIndex and NextToken (and shorter pages when the fault asks)', async () => {
    const emulation = new Emulation({ blockPageSize: 2 });
    const s = await lineage(emulation);
    const all = await indexes(new Emulation(), s.pre);

    const first = (await emulation.snapshotBlocks.listSnapshotBlocks({ SnapshotId: s.pre, MaxResults: 100 })) as Page;
    const next = (await emulation.snapshotBlocks.listSnapshotBlocks({ SnapshotId: s.pre, MaxResults: 100, NextToken: first.NextToken })) as Page;
    const from = (await emulation.snapshotBlocks.listSnapshotBlocks({ SnapshotId: s.pre, StartingBlockIndex: 4 })) as Page;

    expect(first.Blocks?.map((b) => b.BlockIndex)).toEqual(all?.slice(0, 2));
    expect(next.Blocks?.map((b) => b.BlockIndex)).toEqual(all?.slice(2, 4));
    expect(from.Blocks?.[0]?.BlockIndex).toBe(6);
    expect(all?.length).toBeGreaterThan(2);
  });

  it('a copy that lost a block (fault) lists one block fewer than its source, and its change list differs', async () => {
    const emulation = new Emulation({ copyLosesBlock: 'final-encrypted' });
    const s = await lineage(emulation);

    expect((await indexes(emulation, s.finalCopy))?.length).toBe(((await indexes(emulation, s.final))?.length ?? 0) - 1);
    expect(await changes(emulation, s.preCopy, s.finalCopy)).not.toEqual(await changes(emulation, s.pre, s.final));
  });

  it('refuses ListChangedBlocks across lineages, as EBS does, and an unknown snapshot', async () => {
    const emulation = new Emulation();
    const a = await lineage(emulation);
    const b = await lineage(emulation);

    await expect(emulation.snapshotBlocks.listChangedBlocks({ FirstSnapshotId: a.pre, SecondSnapshotId: b.final })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(emulation.snapshotBlocks.listSnapshotBlocks({ SnapshotId: 'snap-0000000000000000f' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
