import type { EC2Client, Filter, Snapshot, Volume } from '@aws-sdk/client-ec2';
import { findSnapshots, findVolumes } from '../../lib/ec2';
import { TAG, tagValue } from '../../lib/tags';

/** What the safety checks read: everything carrying retain-until, and what its data lives on besides. */
export interface AccountView {
  /** Volumes and (own) snapshots tagged `remediation:retain-until`, whatever the date, and (own) forensic snapshots (`remediation:case`). */
  retainedVolumes: Volume[];
  retainedSnapshots: Snapshot[];
  /** The volumes named by those: replacements (`replaced-by`) and sources (`source-volume`), those that still exist. */
  relatedVolumes: Volume[];
  /** Every own snapshot whose `remediation:source-volume` is one of the volumes concerned (the kept copies too). */
  lineageSnapshots: Snapshot[];
}

/** EC2 takes at most 200 values in one filter: one read per 200 ids. */
const FILTER_VALUES = 200;
export async function inChunks<T>(values: string[], find: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < values.length; i += FILTER_VALUES) found.push(...await find(values.slice(i, i + FILTER_VALUES)));
  return found;
}
const unique = (ids: (string | undefined)[]): string[] => [...new Set(ids.filter((id): id is string => Boolean(id)))].sort();

/** Every page of each read: the retained resources by tag key, then the volumes and snapshots their data depends on. */
export async function readAccount(ec2: EC2Client): Promise<AccountView> {
  const retained: Filter[] = [{ Name: 'tag-key', Values: [TAG.retainUntil] }];
  // Forensic snapshots too: an open case's carry no retain-until, and are listed as refused. (Two reads, not one filter
  // with both keys: moto 5.2.1 does not OR a tag-key filter's values as EC2 does.)
  const [retainedVolumes, kept, forensic] = await Promise.all([
    findVolumes(ec2, retained), findSnapshots(ec2, retained), findSnapshots(ec2, [{ Name: 'tag-key', Values: [TAG.case] }]),
  ]);
  const retainedSnapshots = [...kept, ...forensic.filter((f) => !kept.some((k) => k.SnapshotId === f.SnapshotId))];
  const lineages = unique([
    ...retainedVolumes.map((v) => (tagValue(v.Tags, TAG.replacedBy) ? v.VolumeId : tagValue(v.Tags, TAG.sourceVolume))),
    ...retainedSnapshots.map((s) => tagValue(s.Tags, TAG.sourceVolume)),
  ]);
  const related = unique([...lineages, ...retainedVolumes.map((v) => tagValue(v.Tags, TAG.replacedBy))]);
  const [relatedVolumes, lineageSnapshots] = await Promise.all([
    inChunks(related, (ids) => findVolumes(ec2, [{ Name: 'volume-id', Values: ids }])),
    inChunks(lineages, (ids) => findSnapshots(ec2, [{ Name: `tag:${TAG.sourceVolume}`, Values: ids }])),
  ]);
  return { retainedVolumes, retainedSnapshots, relatedVolumes, lineageSnapshots };
}

/** Whether a resource still exists (a plan's item that no longer carries retain-until, say). */
export async function stillExists(ec2: EC2Client, resourceType: 'volume' | 'snapshot', id: string): Promise<boolean> {
  if (resourceType === 'volume') return (await findVolumes(ec2, [{ Name: 'volume-id', Values: [id] }])).length > 0;
  return (await findSnapshots(ec2, [{ Name: 'snapshot-id', Values: [id] }])).length > 0;
}

/** A resource's description as the report keeps it: plain JSON (dates as ISO strings), tags included. */
export const describedAs = (resource: Volume | Snapshot): Record<string, unknown> => JSON.parse(JSON.stringify(resource)) as Record<string, unknown>;
