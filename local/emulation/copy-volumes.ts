import {
  CreateVolumeCommand, DescribeVolumesCommand, type CopyVolumesCommandInput, type DescribeVolumeStatusCommandInput, type VolumeStatusItem,
  type DescribeVolumesCommandOutput, type EC2Client, type Volume,
} from '@aws-sdk/client-ec2';
import { COPIES_IN_FLIGHT_PER_REGION, COPY_VOLUMES_LIMIT_EXCEEDED } from '../../tasks/ebs/lib/volume-copy';

type Refuse = (name: string, message: string) => Error;

interface Copy {
  volumeId: string;
  sourceVolumeId: string;
  token?: string;
  createdAt: number;
  sizeGiB: number;
  /** The first DescribeVolumes after the copy shows it `creating`, as EC2 does for a moment; the next ones `available`. */
  shownCreating: boolean;
}

/**
 * The copies made, per process: a copy outlives the run that made it, as in EC2 (each run has its own Emulation).
 * Initialization takes `msPerGiB` of the clock per GiB (EC2: up to hours per TiB); tests may set both.
 */
export const volumeCopies = { copies: new Map<string, Copy>(), now: () => Date.now(), msPerGiB: 20 };

const initializedAt = (c: Copy) => c.createdAt + c.sizeGiB * volumeCopies.msPerGiB;

/**
 * EC2 CopyVolumes (moto 5.2.1 lacks it), as the EC2 API reference and the EBS user guide describe it: a new
 * volume in the source's AZ with the size (at least the source's), type (default gp2, whatever the source's),
 * IOPS, throughput and multi-attach flag asked for; encrypted when asked (or when the source is), with the key
 * asked for (KmsKeyId needs Encrypted); tags only from TagSpecifications (the source's are not copied);
 * `creating`, then `available`, then initializing in the background. Idempotent on ClientToken. Refused with
 * CopyVolumesLimitExceeded while the source already has a copy initializing, or five copies are initializing
 * in the region.
 */
export async function copyVolumes(ec2: EC2Client, input: CopyVolumesCommandInput, refuse: Refuse): Promise<unknown> {
  const earlier = input.ClientToken ? [...volumeCopies.copies.values()].find((c) => c.token === input.ClientToken) : undefined;
  if (earlier) {
    if (earlier.sourceVolumeId !== input.SourceVolumeId) {
      throw refuse('IdempotentParameterMismatch', `client token ${input.ClientToken} was used for a copy of ${earlier.sourceVolumeId}`);
    }
    return { Volumes: await existing(ec2, [earlier.volumeId]), $metadata: {} };
  }
  if (input.KmsKeyId && input.Encrypted !== true) throw refuse('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
  const source = (await existing(ec2, [input.SourceVolumeId as string]))[0];
  if (!source) throw refuse('InvalidVolume.NotFound', `The volume '${input.SourceVolumeId}' does not exist.`);
  if (input.Size !== undefined && input.Size < (source.Size ?? 0)) {
    throw refuse('InvalidParameterValue', `The size of a volume copy (${input.Size} GiB) must be at least its source's (${source.Size} GiB)`);
  }
  const initializing = await inFlight(ec2);
  if (initializing.some((c) => c.sourceVolumeId === source.VolumeId)) {
    throw refuse(COPY_VOLUMES_LIMIT_EXCEEDED, `volume ${source.VolumeId} already has a copy in progress; one copy per source volume at a time`);
  }
  if (initializing.length >= COPIES_IN_FLIGHT_PER_REGION) {
    throw refuse(COPY_VOLUMES_LIMIT_EXCEEDED, `${initializing.length} volume copies are in progress in this region; at most ${COPIES_IN_FLIGHT_PER_REGION}`);
  }
  const encrypted = input.Encrypted === true || source.Encrypted === true;
  const out = await ec2.send(new CreateVolumeCommand({
    AvailabilityZone: source.AvailabilityZone,
    Size: input.Size ?? source.Size,
    VolumeType: input.VolumeType ?? 'gp2',
    ...(input.Iops !== undefined ? { Iops: input.Iops } : {}),
    ...(input.Throughput !== undefined ? { Throughput: input.Throughput } : {}),
    ...(input.MultiAttachEnabled !== undefined ? { MultiAttachEnabled: input.MultiAttachEnabled } : {}),
    Encrypted: encrypted,
    ...(input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : source.Encrypted && source.KmsKeyId ? { KmsKeyId: source.KmsKeyId } : {}),
    ...(input.TagSpecifications ? { TagSpecifications: input.TagSpecifications } : {}),
  }));
  const copy: Copy = {
    volumeId: out.VolumeId as string, sourceVolumeId: source.VolumeId as string, createdAt: volumeCopies.now(), sizeGiB: out.Size ?? 0, shownCreating: false,
    ...(input.ClientToken ? { token: input.ClientToken } : {}),
  };
  volumeCopies.copies.set(copy.volumeId, copy);
  const volume: Record<string, unknown> = { ...out, State: 'creating', SourceVolumeId: copy.sourceVolumeId };
  delete volume.$metadata;
  return { Volumes: [volume], $metadata: {} };
}

/** DescribeVolumes: a copy is `creating` at its first read, and names its source (SourceVolumeId). */
export function describedVolumes(output: DescribeVolumesCommandOutput): DescribeVolumesCommandOutput {
  for (const volume of output.Volumes ?? []) {
    const copy = volumeCopies.copies.get(volume.VolumeId as string);
    if (!copy) continue;
    volume.SourceVolumeId = copy.sourceVolumeId;
    if (!copy.shownCreating && volume.State === 'available') {
      copy.shownCreating = true;
      volume.State = 'creating';
    }
  }
  return output;
}

/**
 * EC2 DescribeVolumeStatus by volume id (moto 5.2.1 answers HTTP 500): each volume `ok`, and a copy's
 * `initialization-state` detail and InitializationStatusDetails (type volume-copy, progress, time left).
 * One page (no NextToken): the workflow asks by id, at most 40 volumes.
 */
export async function describeVolumeStatus(ec2: EC2Client, input: DescribeVolumeStatusCommandInput, refuse: Refuse): Promise<unknown> {
  const ids = input.VolumeIds ?? [];
  // As EC2 documents MaxResults: 5 to 1,000, and never in the same call as VolumeIds.
  if (input.MaxResults !== undefined && ids.length > 0) {
    throw refuse('InvalidParameterCombination', 'The parameter MaxResults cannot be used with the parameter VolumeIds');
  }
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
    throw refuse('InvalidParameterValue', `Value (${input.MaxResults}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  const found = ids.length > 0 ? await existing(ec2, ids) : [];
  const missing = ids.find((id) => !found.some((v) => v.VolumeId === id));
  if (missing) throw refuse('InvalidVolume.NotFound', `The volume '${missing}' does not exist.`);
  const volumes = ids.map((id) => found.find((v) => v.VolumeId === id) as Volume);
  const now = volumeCopies.now();
  const VolumeStatuses = volumes.map((volume): VolumeStatusItem => {
    const copy = volumeCopies.copies.get(volume.VolumeId as string);
    const done = !copy || now >= initializedAt(copy);
    const item: VolumeStatusItem = {
      VolumeId: volume.VolumeId, AvailabilityZone: volume.AvailabilityZone,
      VolumeStatus: { Status: 'ok', Details: [{ Name: 'io-enabled', Status: 'passed' }, { Name: 'initialization-state', Status: done ? 'completed' : 'initializing' }] },
    };
    if (copy) {
      const span = Math.max(1, initializedAt(copy) - copy.createdAt);
      item.InitializationStatusDetails = {
        InitializationType: 'volume-copy',
        Progress: done ? 100 : Math.floor((100 * (now - copy.createdAt)) / span),
        EstimatedTimeToCompleteInSeconds: done ? 0 : Math.ceil((initializedAt(copy) - now) / 1000),
      };
    }
    return item;
  });
  return { VolumeStatuses, $metadata: {} };
}

/** Copies still initializing whose volume still exists (a test may have reset the emulator since). */
async function inFlight(ec2: EC2Client): Promise<Copy[]> {
  const now = volumeCopies.now();
  const initializing = [...volumeCopies.copies.values()].filter((c) => now < initializedAt(c));
  if (initializing.length === 0) return [];
  const alive = new Set((await existing(ec2, initializing.map((c) => c.volumeId))).map((v) => v.VolumeId));
  return initializing.filter((c) => alive.has(c.volumeId));
}

async function existing(ec2: EC2Client, ids: string[]): Promise<Volume[]> {
  return (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: ids }] }))).Volumes ?? [];
}
