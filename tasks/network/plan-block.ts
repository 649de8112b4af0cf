import type { NetworkAcl } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { findInstances } from '../lib/ec2';
import { PreconditionFailedError, ResourceNotFoundError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import { DEFAULT_APPROVAL_THRESHOLD, DEFAULT_DURATION_MINUTES } from './lib/block-schema';
import type { BlockPlan, BlockRunContext, NaclBlockPlan } from './lib/block-types';
import { ENTRY_QUOTA, bandTop, denyOf, describeNacls, entriesOf, familyOf, freeRuleNumbers, managedBlocks, type Direction, type Family } from './lib/nacl-blocks';

const ec2 = createEc2Client();
/** CDK context blockSourceIp.approvalThreshold, set by the stack; the input's approvalThreshold wins. */
const THRESHOLD = Number(process.env.BLOCK_APPROVAL_THRESHOLD ?? DEFAULT_APPROVAL_THRESHOLD);

/** Every page: the count of instances behind a NACL decides whether a block needs approval. */
async function instancesIn(filter: { Name: string; Values: string[] }): Promise<{ instanceId: string; subnetIds: string[] }[]> {
  const instances = await findInstances(ec2, [filter, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }]);
  return instances.map((i) => ({
    instanceId: i.InstanceId as string,
    subnetIds: [...new Set([i.SubnetId, ...(i.NetworkInterfaces ?? []).map((n) => n.SubnetId)].filter((s): s is string => Boolean(s)))],
  }));
}

/** One NACL: what to create, extend, evict, in the band below its first ALLOW, within the per-family quota. */
async function planNacl(nacl: NetworkAcl, request: BlockRunContext['request'], expiresAt: string): Promise<NaclBlockPlan> {
  const naclId = nacl.NetworkAclId as string;
  const direction: Direction = request.direction;
  if ((nacl.Tags ?? []).some((t) => t.Key === TAG.exclude && t.Value === 'true')) throw new PreconditionFailedError(`${naclId} is tagged ${TAG.exclude}=true`);
  const subnets = (nacl.Associations ?? []).map((a) => a.SubnetId as string).sort();
  const instances = subnets.length > 0 ? (await instancesIn({ Name: 'subnet-id', Values: subnets })).map((i) => i.instanceId).sort() : [];
  const managed = managedBlocks(nacl).filter((b) => b.direction === direction);
  const plan: NaclBlockPlan = { naclId, vpcId: nacl.VpcId as string, subnets, instances, create: [], extend: [], evict: [], unchanged: [] };
  const toCreate: string[] = [];
  for (const cidr of request.cidrs) {
    const ours = managed.find((b) => b.cidr === cidr);
    const entry = denyOf(nacl, direction, cidr, ours?.ruleNumber);
    if (ours && entry) {
      if (ours.expiresAt < expiresAt) plan.extend.push({ cidr, ruleNumber: ours.ruleNumber, from: ours.expiresAt, fromExecution: ours.execution });
      else plan.unchanged.push({ cidr, reason: `already blocked until ${ours.expiresAt}` });
    } else if (!ours && denyOf(nacl, direction, cidr)) {
      plan.unchanged.push({ cidr, reason: `already denied by rule ${denyOf(nacl, direction, cidr)?.RuleNumber}, not managed by this product (no expiry)` });
    } else toCreate.push(cidr);
  }
  // The quota, per direction and family: refuse, or make room by evicting the oldest entries this product manages.
  for (const family of ['ipv4', 'ipv6'] as Family[]) {
    const adding = toCreate.filter((c) => familyOf(c) === family).length;
    const over = entriesOf(nacl, direction, family).length + adding - ENTRY_QUOTA;
    if (adding === 0 || over <= 0) continue;
    const evictable = managed.filter((b) => familyOf(b.cidr) === family && !request.cidrs.includes(b.cidr)).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    if (!request.evictOldest || evictable.length < over) {
      throw new PreconditionFailedError(`${naclId} ${direction} ${family}: ${entriesOf(nacl, direction, family).length} entries + ${adding} would exceed the quota of `
        + `${ENTRY_QUOTA}${request.evictOldest ? ` and only ${evictable.length} entries managed by this product can be evicted` : '; set evictOldest: true to replace the oldest entries this product manages'}`);
    }
    plan.evict.push(...evictable.slice(0, over));
  }
  const numbers = freeRuleNumbers(nacl, direction, toCreate.length, plan.evict.map((b) => b.ruleNumber));
  if (numbers.length < toCreate.length) {
    throw new PreconditionFailedError(`${naclId} ${direction}: no free rule number left in ${1}-${bandTop(nacl, direction)} (below its first ALLOW) for ${toCreate.length} DENY entries`);
  }
  plan.create = toCreate.map((cidr, i) => ({ cidr, ruleNumber: numbers[i] as number }));
  return plan;
}

/**
 * Read-only: the NACLs of the subnets (or the instance's subnets), every subnet and instance each serves, and per NACL
 * the DENY entries to create (rule numbers from the live entries), the expiries to extend and the quota's evictions.
 */
export const handler = async ({ request, execution }: BlockRunContext): Promise<BlockPlan> => {
  let subnetIds = request.subnetIds;
  if (request.instanceId) {
    const [instance] = await instancesIn({ Name: 'instance-id', Values: [request.instanceId] });
    if (!instance) throw new ResourceNotFoundError(`instance ${request.instanceId} not found in this account and region`);
    subnetIds = instance.subnetIds;
  }
  const nacls = await describeNacls(ec2, { subnetIds: subnetIds ?? [] });
  const covered = new Set(nacls.flatMap((n) => (n.Associations ?? []).map((a) => a.SubnetId)));
  const missing = (subnetIds ?? []).filter((s) => !covered.has(s));
  if (missing.length > 0) throw new ResourceNotFoundError(`no NACL found for subnet(s) ${missing.join(', ')}`);
  // From the execution's start, not the clock: the plan made again after an approval is the same plan.
  const expiresAt = request.expiresAt
    ? new Date(request.expiresAt).toISOString()
    : new Date(Date.parse(execution.startTime) + (request.durationMinutes ?? DEFAULT_DURATION_MINUTES) * 60_000).toISOString();
  if (Date.parse(expiresAt) <= Date.parse(execution.startTime)) throw new PreconditionFailedError(`expiresAt ${expiresAt} is not after the execution's start`);
  const plans: NaclBlockPlan[] = [];
  for (const nacl of nacls.sort((a, b) => String(a.NetworkAclId).localeCompare(String(b.NetworkAclId)))) plans.push(await planNacl(nacl, request, expiresAt));
  const changing = plans.filter((p) => p.create.length + p.extend.length + p.evict.length > 0);
  const served = { subnets: new Set(plans.flatMap((p) => p.subnets)).size, instances: new Set(plans.flatMap((p) => p.instances)).size };
  const approvalThreshold = request.approvalThreshold ?? THRESHOLD;
  const outcome = changing.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('block planned', { nacls: plans.length, changing: changing.length, outcome, served });
  return {
    outcome, direction: request.direction, expiresAt, nacls: plans, naclIds: changing.map((p) => p.naclId),
    target: plans.map((p) => p.naclId).join(',') || 'none', served, approvalThreshold,
    approvalRequired: outcome === 'PROCEED' && served.subnets + served.instances > approvalThreshold,
  };
};
