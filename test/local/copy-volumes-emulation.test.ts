import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { awsError } from '../../local/emulation';
import { copyVolumes, describeVolumeStatus, describedVolumes, volumeCopies } from '../../local/emulation/copy-volumes';

let moto: MotoServer;
let ec2: EC2Client;
let clock = 1_000_000;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  ec2 = new EC2Client({});
  volumeCopies.now = () => clock;
  volumeCopies.msPerGiB = 1000;
});
afterAll(() => moto.stop());
// Every copy made so far has initialized: each test starts with none in flight.
beforeEach(() => { clock += 10_000_000; });

const source = async (sizeGiB = 10) => (await ec2.send(new CreateVolumeCommand({
  AvailabilityZone: 'us-east-1b', Size: sizeGiB, VolumeType: 'gp3', Iops: 4000, Throughput: 250, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'app', Value: 'billing' }] }],
}))).VolumeId as string;
const copy = (SourceVolumeId: string, extra: Record<string, unknown> = {}) =>
  copyVolumes(ec2, { SourceVolumeId, Encrypted: true, VolumeType: 'gp3', Iops: 4000, Throughput: 250, ...extra }, awsError) as Promise<{ Volumes: { VolumeId: string; State: string }[] }>;
const read = async (id: string) => describedVolumes(await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];

describe('CopyVolumes emulation (moto lacks CopyVolumes)', () => {
  it('makes an encrypted volume in the source\'s AZ with its size and the type, IOPS and throughput asked for, tags only from TagSpecifications; creating, then available', async () => {
    const id = await source();
    const out = await copy(id, { TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'remediation:workflow', Value: 'encrypt-volumes' }] }] });

    expect(out.Volumes[0]?.State).toBe('creating');
    const first = await read(out.Volumes[0]?.VolumeId as string);
    expect(first).toMatchObject({
      State: 'creating', Encrypted: true, Size: 10, AvailabilityZone: 'us-east-1b', VolumeType: 'gp3', Iops: 4000, Throughput: 250, SourceVolumeId: id,
    });
    expect(first?.Tags).toEqual([{ Key: 'remediation:workflow', Value: 'encrypt-volumes' }]);
    expect((await read(out.Volumes[0]?.VolumeId as string))?.State).toBe('available');
  });

  it('defaults to gp2 whatever the source is, as the API does', async () => {
    const out = await copyVolumes(ec2, { SourceVolumeId: await source(), Encrypted: true }, awsError) as { Volumes: { VolumeId: string }[] };
    expect((await read(out.Volumes[0]?.VolumeId as string))?.VolumeType).toBe('gp2');
  });

  it('is idempotent on ClientToken: the same token answers the same copy, no second volume', async () => {
    const id = await source();
    const a = await copy(id, { ClientToken: `token-${id}` });
    const b = await copy(id, { ClientToken: `token-${id}` });

    expect(b.Volumes[0]?.VolumeId).toBe(a.Volumes[0]?.VolumeId);
    const copies = [...volumeCopies.copies.values()].filter((c) => c.sourceVolumeId === id);
    expect(copies).toHaveLength(1);
    await expect(copy(await source(), { ClientToken: `token-${id}` })).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  });

  it('refuses a second copy of a source whose copy is still initializing, and takes it once that copy has initialized', async () => {
    const id = await source(10);
    await copy(id);

    await expect(copy(id)).rejects.toMatchObject({ name: 'CopyVolumesLimitExceeded', message: expect.stringMatching(/one copy per source/) });
    clock += 10 * 1000;
    await expect(copy(id)).resolves.toMatchObject({ Volumes: [{ State: 'creating' }] });
  });

  it('refuses a sixth copy in flight in the region with CopyVolumesLimitExceeded', async () => {
    for (let i = 0; i < 5; i += 1) await copy(await source());

    await expect(copy(await source())).rejects.toMatchObject({ name: 'CopyVolumesLimitExceeded', message: expect.stringMatching(/at most 5/) });
  });

  it('refuses KmsKeyId without Encrypted, a smaller size and an unknown source, as EC2 does', async () => {
    const id = await source(10);
    await expect(copyVolumes(ec2, { SourceVolumeId: id, KmsKeyId: 'alias/x' }, awsError)).rejects.toMatchObject({ name: 'InvalidParameterDependency' });
    await expect(copy(id, { Size: 5 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(copy('vol-0123456789abcdef9')).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });

  it('DescribeVolumeStatus reports a copy initializing with its progress, then completed; other volumes completed', async () => {
    const id = await source(10);
    const copied = (await copy(id)).Volumes[0]?.VolumeId as string;
    clock += 4 * 1000;

    const during = await describeVolumeStatus(ec2, { VolumeIds: [copied, id] }, awsError) as { VolumeStatuses: Record<string, unknown>[] };
    expect(during.VolumeStatuses).toEqual([
      expect.objectContaining({
        VolumeId: copied,
        VolumeStatus: { Status: 'ok', Details: [{ Name: 'io-enabled', Status: 'passed' }, { Name: 'initialization-state', Status: 'initializing' }] },
        InitializationStatusDetails: { InitializationType: 'volume-copy', Progress: 40, EstimatedTimeToCompleteInSeconds: 6 },
      }),
      expect.objectContaining({ VolumeId: id, VolumeStatus: expect.objectContaining({ Details: expect.arrayContaining([{ Name: 'initialization-state', Status: 'completed' }]) }) }),
    ]);
    expect(during.VolumeStatuses[1]).not.toHaveProperty('InitializationStatusDetails');
    clock += 6 * 1000;
    const after = await describeVolumeStatus(ec2, { VolumeIds: [copied] }, awsError) as { VolumeStatuses: { InitializationStatusDetails?: { Progress?: number } }[] };
    expect(after.VolumeStatuses[0]?.InitializationStatusDetails?.Progress).toBe(100);
    await expect(describeVolumeStatus(ec2, { VolumeIds: ['vol-0123456789abcdef9'] }, awsError)).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });

  it('DescribeVolumeStatus refuses MaxResults with VolumeIds, and outside 5 to 1,000, as EC2 documents (moto would not say)', async () => {
    const id = await source(10);

    await expect(describeVolumeStatus(ec2, { VolumeIds: [id], MaxResults: 10 }, awsError)).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(describeVolumeStatus(ec2, { MaxResults: 4 }, awsError)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(describeVolumeStatus(ec2, { MaxResults: 1001 }, awsError)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    // the form the handler sends: by id, MaxResults left out (the paginator sets the key, undefined)
    await expect(describeVolumeStatus(ec2, { VolumeIds: [id], MaxResults: undefined }, awsError)).resolves.toMatchObject({ VolumeStatuses: [{ VolumeId: id }] });
  });
});
