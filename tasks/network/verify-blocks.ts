import { createEc2Client } from '../lib/clients/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { BlockPlan, UnblockPlan } from './lib/block-types';
import { blockTagKey, denyOf, describeNacls, managedBlocks, type Direction } from './lib/nacl-blocks';

const ec2 = createEc2Client();

interface Expected { naclId: string; direction: Direction; cidr: string; ruleNumber: number }

export interface VerifyBlocksEvent {
  /** block-source-ip: each created or extended block is there with its expiry; each evicted one is gone. */
  block?: BlockPlan;
  /** unblock-source-ip: each removed block is gone, entry and expiry tag. */
  unblock?: UnblockPlan;
}

function expectations({ block, unblock }: VerifyBlocksEvent): { present: (Expected & { expiresAt: string })[]; absent: Expected[] } {
  const present = (block?.nacls ?? []).flatMap((p) => [...p.create, ...p.extend].map((c) => ({
    naclId: p.naclId, direction: block?.direction as Direction, cidr: c.cidr, ruleNumber: c.ruleNumber, expiresAt: block?.expiresAt as string,
  })));
  const absent: Expected[] = [...(block?.nacls ?? []).flatMap((p) => p.evict), ...(unblock?.remove ?? [])]
    .map((b) => ({ naclId: b.naclId, direction: b.direction, cidr: b.cidr, ruleNumber: b.ruleNumber }));
  return { present, absent };
}

export interface BlocksVerified {
  verified: number;
  at: string;
}

/** Re-reads every NACL involved, fresh, before success is reported: what was meant to be there is, what was removed is gone. */
export const handler = async (event: VerifyBlocksEvent): Promise<BlocksVerified> => {
  const { present, absent } = expectations(event);
  const naclIds = [...new Set([...present, ...absent].map((e) => e.naclId))];
  const nacls = naclIds.length > 0 ? await describeNacls(ec2, { naclIds }) : [];
  const problems: string[] = [];
  for (const e of present) {
    const nacl = nacls.find((n) => n.NetworkAclId === e.naclId);
    const record = nacl && managedBlocks(nacl).find((b) => b.direction === e.direction && b.cidr === e.cidr);
    if (!nacl || !denyOf(nacl, e.direction, e.cidr, e.ruleNumber)) problems.push(`${e.naclId}: no DENY ${e.direction} ${e.cidr} at rule ${e.ruleNumber}`);
    else if (record?.expiresAt !== e.expiresAt) problems.push(`${e.naclId}: ${blockTagKey(e.direction, e.cidr)} does not say expires ${e.expiresAt}`);
  }
  for (const e of absent) {
    const nacl = nacls.find((n) => n.NetworkAclId === e.naclId);
    if (!nacl) continue;
    if (denyOf(nacl, e.direction, e.cidr, e.ruleNumber)) problems.push(`${e.naclId}: DENY ${e.direction} ${e.cidr} still at rule ${e.ruleNumber}`);
    if (managedBlocks(nacl).some((b) => b.direction === e.direction && b.cidr === e.cidr)) problems.push(`${e.naclId}: ${blockTagKey(e.direction, e.cidr)} still there`);
  }
  if (problems.length > 0) throw new VerificationFailedError(`NACL entries not as expected: ${problems.join('; ')}`);
  logger.info('blocks verified', { present: present.length, absent: absent.length });
  return { verified: present.length + absent.length, at: new Date().toISOString() };
};
