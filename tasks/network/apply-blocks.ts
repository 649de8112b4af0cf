import { CreateNetworkAclEntryCommand, CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { PlanChangedError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import type { BlockPlan, NaclBlockPlan } from './lib/block-types';
import { ENTRY_EXISTS, blockTagKey, deleteEntry, blockTagValue, denyOf, describeNacls, familyOf, type Direction } from './lib/nacl-blocks';

const ec2 = createEc2Client();

export interface ApplyBlocksEvent {
  plan: BlockPlan;
  execution: ExecutionFacts;
}

export interface AppliedBlocks {
  created: { naclId: string; cidr: string; ruleNumber: number }[];
  extended: { naclId: string; cidr: string; ruleNumber: number; from: string; to: string }[];
  evicted: { naclId: string; cidr: string; ruleNumber: number; expiresAt: string }[];
  at: string;
}

const egress = (direction: Direction) => direction === 'egress';

/** A retry after a lost answer finds its own entry there: done. Anything else at that number is someone else's rule. */
async function createDeny(naclId: string, direction: Direction, cidr: string, ruleNumber: number): Promise<void> {
  const family = familyOf(cidr);
  try {
    await ec2.send(new CreateNetworkAclEntryCommand({
      NetworkAclId: naclId, RuleNumber: ruleNumber, Egress: egress(direction), RuleAction: 'deny', Protocol: '-1',
      ...(family === 'ipv6' ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    }));
  } catch (error) {
    if (awsErrorName(error) !== ENTRY_EXISTS) throw error;
    const [nacl] = await describeNacls(ec2, { naclIds: [naclId] });
    if (!nacl || !denyOf(nacl, direction, cidr, ruleNumber)) {
      throw new PlanChangedError(`${naclId}: rule ${ruleNumber} (${direction}) was taken by another entry since the plan; nothing was overwritten`);
    }
  }
}

async function applyNacl(p: NaclBlockPlan, plan: BlockPlan, execution: string, out: AppliedBlocks): Promise<void> {
  const { direction, expiresAt } = plan;
  for (const b of p.evict) {
    await deleteEntry(ec2, p.naclId, direction, b.ruleNumber);
    await ec2.send(new DeleteTagsCommand({ Resources: [p.naclId], Tags: [{ Key: blockTagKey(direction, b.cidr) }] }));
    out.evicted.push({ naclId: p.naclId, cidr: b.cidr, ruleNumber: b.ruleNumber, expiresAt: b.expiresAt });
  }
  // The record first, then the entry: nothing this product adds is ever without its expiry.
  const tags = [...p.create, ...p.extend].map((c) => ({ Key: blockTagKey(direction, c.cidr), Value: blockTagValue({ ruleNumber: c.ruleNumber, expiresAt, execution }) }));
  if (tags.length > 0) await ec2.send(new CreateTagsCommand({ Resources: [p.naclId], Tags: tags }));
  for (const c of p.create) {
    await createDeny(p.naclId, direction, c.cidr, c.ruleNumber);
    out.created.push({ naclId: p.naclId, cidr: c.cidr, ruleNumber: c.ruleNumber });
  }
  for (const e of p.extend) out.extended.push({ naclId: p.naclId, cidr: e.cidr, ruleNumber: e.ruleNumber, from: e.from, to: expiresAt });
}

/**
 * Under the NACL lock: per NACL, evicts (at the quota, with evictOldest), records each block's expiry on the NACL's
 * tags, then creates the DENY entries at the planned rule numbers. Idempotent: a re-run rewrites the same tags and
 * finds its own entries.
 */
export const handler = async ({ plan, execution }: ApplyBlocksEvent): Promise<AppliedBlocks> => {
  const out: AppliedBlocks = { created: [], extended: [], evicted: [], at: new Date().toISOString() };
  for (const p of plan.nacls) await applyNacl(p, plan, execution.name, out);
  logger.info('blocks applied', { created: out.created.length, extended: out.extended.length, evicted: out.evicted.length });
  return out;
};
