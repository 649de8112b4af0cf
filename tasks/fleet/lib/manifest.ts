import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MAX_EXECUTION_NAME_LENGTH } from '../../lib/names';
import { ResourceNotFoundError, awsErrorName } from '../../lib/errors';
import type { FleetChildWorkflow } from './children';

/** Everything a fleet run writes lives under `runs/<fleet execution name>/` of the fleet bucket (its grants say so too). */
export const RUNS_PREFIX = 'runs';
export const FLEET_BUCKET_ENV = 'FLEET_BUCKET';
export const runPrefix = (executionName: string): string => `${RUNS_PREFIX}/${executionName}`;
export const itemsKey = (executionName: string): string => `${runPrefix(executionName)}/items.json`;
export const resultsPrefix = (executionName: string): string => `${runPrefix(executionName)}/results`;
export const summaryKey = (executionName: string): string => `${runPrefix(executionName)}/summary.json`;
export const planManifestKey = (executionName: string): string => `${runPrefix(executionName)}/plan-manifest.json`;

/** One Distributed Map item: what one child execution is started with. */
export interface FleetItem {
  workflow: FleetChildWorkflow;
  target: string;
  /** The child's name before its redrive suffix (`-r<RedriveCount>`, added by the item processor). */
  childName: string;
  input: Record<string, unknown>;
}

/** What a fleet plan writes: the items whose child PLANNED, with the plan each would carry out. Apply with `selector.manifest` takes exactly these. */
export interface PlanManifest {
  kind: 'fleet-plan';
  workflow: FleetChildWorkflow;
  fleetExecution: string;
  childInput: Record<string, unknown>;
  items: { target: string; plan: unknown }[];
}

/** Room for `-r<redrive count>` (a Map Run is redriven at most 1,000 times). */
const REDRIVE_SUFFIX_ROOM = 6;

/**
 * The child of `target` in the fleet run `parentName`: `<parent name>-<target>`, cut (with a digest of the
 * whole, so it stays unique) to leave room for the redrive suffix inside Step Functions' 80 characters.
 */
export function fleetChildName(parentName: string, target: string): string {
  const full = `${parentName}-${target}`;
  const limit = MAX_EXECUTION_NAME_LENGTH - REDRIVE_SUFFIX_ROOM;
  if (full.length <= limit) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, limit - digest.length - 1)}-${digest}`;
}

/** `s3://bucket/key` -> its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new ResourceNotFoundError(`${uri} is not an s3://bucket/key address`);
  return { bucket: match[1] as string, key: match[2] as string };
}

export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await (out.Body as { transformToString: () => Promise<string> }).transformToString()) as T;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') throw new ResourceNotFoundError(`s3://${bucket}/${key} does not exist`);
    throw error;
  }
}

export async function writeJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
  return `s3://${bucket}/${key}`;
}
