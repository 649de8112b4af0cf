import { paginateDescribeImages, type EC2Client, type Image, type Instance } from '@aws-sdk/client-ec2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName } from '../../lib/errors';
import { familyOf, sourceKey, type LatestSource } from './families';

export type Finding = 'old' | 'deprecated' | 'deregistered' | 'not-latest' | 'family-retired';

export interface LatestImage {
  /** Where it was found: `ssm:<parameter>` or `describe-images:<owner>:<name pattern>`. */
  source: string;
  imageId?: string;
  name?: string;
  createdAt?: string;
  /** The family has no current image: the SSM parameter is gone (ParameterNotFound), or every image is deprecated or deregistered. */
  retired?: string;
}

export interface InstanceFreshness {
  instanceId: string;
  state: string;
  imageId: string;
  image?: { name?: string; ownerId?: string; architecture?: string; createdAt?: string; ageDays?: number; deprecatedAt?: string };
  family?: string;
  latest?: LatestImage;
  findings: Finding[];
}

const DAY_MS = 86_400_000;
const IMAGE_ID_FILTER_CHUNK = 100;

/** Images by id that still exist (a deregistered one is simply absent), deprecated ones included. */
export async function describeImagesById(ec2: EC2Client, imageIds: string[]): Promise<Map<string, Image>> {
  const found = new Map<string, Image>();
  for (let i = 0; i < imageIds.length; i += IMAGE_ID_FILTER_CHUNK) {
    // A filter, not ImageIds: one deregistered id would fail the whole ImageIds call with InvalidAMIID.NotFound.
    const Filters = [{ Name: 'image-id', Values: imageIds.slice(i, i + IMAGE_ID_FILTER_CHUNK) }];
    for await (const page of paginateDescribeImages({ client: ec2 }, { Filters, IncludeDeprecated: true })) {
      for (const image of page.Images ?? []) if (image.ImageId) found.set(image.ImageId, image);
    }
  }
  return found;
}

/** The newest available, not deprecated image of an owner's name pattern (undefined: none left). */
async function newestOf(ec2: EC2Client, owner: string, namePattern: string): Promise<Image | undefined> {
  let newest: Image | undefined;
  const Filters = [{ Name: 'name', Values: [namePattern] }, { Name: 'state', Values: ['available'] }];
  for await (const page of paginateDescribeImages({ client: ec2 }, { Owners: [owner], Filters, IncludeDeprecated: false })) {
    for (const image of page.Images ?? []) {
      if ((image.CreationDate ?? '') > (newest?.CreationDate ?? '')) newest = image;
    }
  }
  return newest;
}

/** One family's latest image id, or why it has none. */
async function latestOf(ec2: EC2Client, ssm: SSMClient, source: LatestSource): Promise<LatestImage> {
  const key = sourceKey(source);
  if (source.kind === 'ssm') {
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: source.parameter }));
      return { source: key, ...(out.Parameter?.Value ? { imageId: out.Parameter.Value } : {}) };
    } catch (error) {
      if (awsErrorName(error) !== 'ParameterNotFound') throw error;
      return { source: key, retired: `the public parameter ${source.parameter} no longer exists: the family is retired; move to a supported one` };
    }
  }
  const newest = await newestOf(ec2, source.owner, source.namePattern);
  if (!newest?.ImageId) return { source: key, retired: `no available, non-deprecated image of owner ${source.owner} matches ${source.namePattern}` };
  return { source: key, imageId: newest.ImageId, ...(newest.Name ? { name: newest.Name } : {}), ...(newest.CreationDate ? { createdAt: newest.CreationDate } : {}) };
}

/**
 * Read-only: per instance, its AMI's age, deprecation, deregistration, and whether it is the latest of its
 * family (each family looked up once). Nothing is replaced: that is a launch template's job.
 */
export async function assessFreshness(ec2: EC2Client, ssm: SSMClient, instances: Instance[], maxAgeDays: number, now = new Date()): Promise<InstanceFreshness[]> {
  const imageIds = [...new Set(instances.map((i) => i.ImageId).filter((id): id is string => Boolean(id)))].sort();
  const images = await describeImagesById(ec2, imageIds);
  const latestBySource = new Map<string, LatestImage>();
  for (const image of images.values()) {
    const family = familyOf(image);
    if (family && !latestBySource.has(sourceKey(family.source))) latestBySource.set(sourceKey(family.source), await latestOf(ec2, ssm, family.source));
  }
  // An SSM parameter names only the id: the latest images' names and dates, read once for all.
  const unnamed = [...latestBySource.values()].filter((l) => l.imageId && !l.name && !images.has(l.imageId)).map((l) => l.imageId as string);
  const latestImages = new Map([...images, ...(unnamed.length > 0 ? await describeImagesById(ec2, unnamed) : [])]);
  for (const latest of latestBySource.values()) {
    const image = latest.imageId ? latestImages.get(latest.imageId) : undefined;
    if (image?.Name) latest.name ??= image.Name;
    if (image?.CreationDate) latest.createdAt ??= image.CreationDate;
  }
  return instances.map((instance) => {
    const imageId = instance.ImageId ?? 'unknown';
    const base = { instanceId: instance.InstanceId as string, state: instance.State?.Name ?? 'unknown', imageId };
    const image = images.get(imageId);
    if (!image) return { ...base, findings: ['deregistered'] as Finding[] };
    const findings: Finding[] = [];
    const ageDays = image.CreationDate ? Math.floor((now.getTime() - Date.parse(image.CreationDate)) / DAY_MS) : undefined;
    if (ageDays !== undefined && ageDays > maxAgeDays) findings.push('old');
    if (image.DeprecationTime && Date.parse(image.DeprecationTime) <= now.getTime()) findings.push('deprecated');
    const family = familyOf(image);
    const latest = family ? latestBySource.get(sourceKey(family.source)) : undefined;
    if (latest?.retired) findings.push('family-retired');
    else if (latest?.imageId && latest.imageId !== imageId) findings.push('not-latest');
    return {
      ...base,
      image: {
        ...(image.Name ? { name: image.Name } : {}), ...(image.OwnerId ? { ownerId: image.OwnerId } : {}),
        ...(image.Architecture ? { architecture: image.Architecture } : {}), ...(image.CreationDate ? { createdAt: image.CreationDate } : {}),
        ...(ageDays !== undefined ? { ageDays } : {}), ...(image.DeprecationTime ? { deprecatedAt: image.DeprecationTime } : {}),
      },
      ...(family ? { family: family.name } : {}),
      ...(latest ? { latest } : {}),
      findings,
    };
  });
}
