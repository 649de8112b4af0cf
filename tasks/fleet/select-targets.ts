import { paginateDescribeSecurityGroups, paginateDescribeVpcs, type EC2Client, type Filter, type Tag } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { createS3Client } from '../lib/clients/s3';
import { findInstances } from '../lib/ec2';
import { readEnv, requiredString } from '../lib/env';
import { InvalidInputError, PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ExecutionFacts } from '../lib/types';
import { FLEET_CHILDREN, type TargetKind } from './lib/children';
import { derivedMaxConcurrency } from './lib/concurrency';
import { FLEET_BUCKET_ENV, fleetChildName, itemsKey, parseS3Uri, readJson, resultsPrefix, writeJson, type FleetItem, type PlanManifest } from './lib/manifest';
import { MAX_FLEET_ITEMS, type FleetInput } from './lib/schema';

const ec2 = createEc2Client();
const s3 = createS3Client();
const { [FLEET_BUCKET_ENV]: BUCKET } = readEnv({ [FLEET_BUCKET_ENV]: requiredString });

export interface SelectTargetsInput { request: FleetInput; execution: ExecutionFacts }
export interface Selection {
  bucket: string;
  itemsKey: string;
  resultsPrefix: string;
  count: number;
  maxConcurrency: number;
  /** Targets the selector named that carry remediation:exclude=true: no child is started for them. */
  excluded: string[];
  /** Ids the selector named that EC2 does not know. */
  missing: string[];
}

interface Found { id: string; tags?: Tag[] }

/** Instances that can be remediated: pending and terminated ones have nothing to fix (or cannot be). */
const LIVE_INSTANCES: Filter = { Name: 'instance-state-name', Values: ['running', 'stopping', 'stopped'] };

/** Every target of `kind` the filters match: always filtered, always paginated (never an unfiltered Describe*). */
async function describeTargets(client: EC2Client, kind: TargetKind, filters: Filter[]): Promise<Found[]> {
  if (kind === 'instance') return (await findInstances(client, [...filters, LIVE_INSTANCES])).map((i) => ({ id: i.InstanceId as string, tags: i.Tags ?? [] }));
  const found: Found[] = [];
  if (kind === 'vpc') {
    for await (const page of paginateDescribeVpcs({ client, pageSize: 1000 }, { Filters: filters })) found.push(...(page.Vpcs ?? []).map((v) => ({ id: v.VpcId as string, tags: v.Tags ?? [] })));
  } else {
    for await (const page of paginateDescribeSecurityGroups({ client, pageSize: 1000 }, { Filters: filters })) {
      found.push(...(page.SecurityGroups ?? []).map((g) => ({ id: g.GroupId as string, tags: g.Tags ?? [] })));
    }
  }
  return found;
}

const ID_FILTER: Record<TargetKind, string> = { instance: 'instance-id', vpc: 'vpc-id', group: 'group-id' };

/** The targets a plan manifest PLANNED, checked to be a plan of this workflow in the fleet's own bucket. */
async function planned(request: FleetInput, uri: string): Promise<string[]> {
  const { bucket, key } = parseS3Uri(uri);
  if (bucket !== BUCKET) throw new InvalidInputError(`invalid input: selector.manifest: must be in the fleet bucket ${BUCKET}, not ${bucket}`);
  const manifest = await readJson<PlanManifest>(s3, bucket, key);
  if (manifest.kind !== 'fleet-plan' || manifest.workflow !== request.workflow) {
    throw new PreconditionFailedError(`${uri} is not a fleet plan of ${request.workflow} (it is ${manifest.kind ?? 'unknown'} of ${manifest.workflow ?? 'unknown'})`);
  }
  return manifest.items.map((i) => i.target);
}

/** Resolves the selector to targets with filtered, paginated Describe* calls and writes the items manifest the Distributed Map reads. */
export const handler = async ({ request, execution }: SelectTargetsInput): Promise<Selection> => {
  const child = FLEET_CHILDREN[request.workflow];
  const selector = request.selector;
  let named: string[] | undefined;
  if (!('tags' in selector)) {
    named = [...new Set('manifest' in selector ? await planned(request, selector.manifest)
      : 'instanceIds' in selector ? selector.instanceIds : 'vpcIds' in selector ? selector.vpcIds : selector.groupIds)];
  }
  // An id filter takes at most 200 values per call: a longer id list is read in chunks, each paginated.
  const chunks: Filter[][] = named
    ? chunk(named, 200).map((ids) => [{ Name: ID_FILTER[child.targetKind], Values: ids }])
    : [('tags' in selector ? selector.tags : []).map((t) => ({ Name: `tag:${t.key}`, Values: t.values }))];
  const found = (await Promise.all(chunks.map((f) => describeTargets(ec2, child.targetKind, f)))).flat();
  if (found.length > MAX_FLEET_ITEMS) throw new PreconditionFailedError(`the selector matches ${found.length} targets; a fleet run takes at most ${MAX_FLEET_ITEMS}: narrow it`);
  const excluded = found.filter((f) => tagValue(f.tags, TAG.exclude) === 'true').map((f) => f.id).sort();
  const targets = found.map((f) => f.id).filter((id) => !excluded.includes(id)).sort();
  const missing = named ? named.filter((id) => !found.some((f) => f.id === id)).sort() : [];
  const items: FleetItem[] = targets.map((target) => ({
    workflow: request.workflow, target, childName: fleetChildName(execution.name, target),
    input: {
      ...request.childInput, ...child.targetInput(target), mode: request.mode,
      trigger: { source: request.trigger.source, ...(request.trigger.principal ? { principal: request.trigger.principal } : {}), ...(execution.arn ? { parentExecution: execution.arn } : {}) },
    },
  }));
  const key = itemsKey(execution.name);
  await writeJson(s3, BUCKET, key, items);
  const maxConcurrency = request.maxConcurrency ?? derivedMaxConcurrency(request.workflow);
  logger.info('targets selected', { count: items.length, excluded: excluded.length, missing: missing.length, maxConcurrency });
  return { bucket: BUCKET, itemsKey: key, resultsPrefix: resultsPrefix(execution.name), count: items.length, maxConcurrency, excluded, missing };
};

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
