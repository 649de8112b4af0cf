import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import type { UnblockPlan } from './lib/block-types';
import { blockTagKey, deleteEntry, denyOf, describeNacls } from './lib/nacl-blocks';

const ec2 = createEc2Client();

export interface RemoveBlocksEvent {
  plan: UnblockPlan;
}

export interface RemovedBlocks {
  removed: { naclId: string; cidr: string; ruleNumber: number; entry: 'deleted' | 'already-missing' | 'not-ours' }[];
  at: string;
}

/**
 * Deletes each managed DENY entry, then its expiry tag. The entry at the recorded number is deleted only while it is
 * still that DENY (someone may have reused the number); an entry already missing counts as done, whether the read
 * saw it gone or EC2 answers InvalidNetworkAclEntry.NotFound.
 */
export const handler = async ({ plan }: RemoveBlocksEvent): Promise<RemovedBlocks> => {
  const nacls = plan.naclIds.length > 0 ? await describeNacls(ec2, { naclIds: plan.naclIds }) : [];
  const removed: RemovedBlocks['removed'] = [];
  for (const b of plan.remove) {
    const nacl = nacls.find((n) => n.NetworkAclId === b.naclId);
    let entry: RemovedBlocks['removed'][number]['entry'] = 'already-missing';
    if (nacl && denyOf(nacl, b.direction, b.cidr, b.ruleNumber)) {
      if (await deleteEntry(ec2, b.naclId, b.direction, b.ruleNumber)) entry = 'deleted';
    } else if (nacl?.Entries?.some((e) => e.RuleNumber === b.ruleNumber && Boolean(e.Egress) === (b.direction === 'egress'))) entry = 'not-ours';
    await ec2.send(new DeleteTagsCommand({ Resources: [b.naclId], Tags: [{ Key: blockTagKey(b.direction, b.cidr) }] }));
    removed.push({ naclId: b.naclId, cidr: b.cidr, ruleNumber: b.ruleNumber, entry });
  }
  logger.info('blocks removed', { removed: removed.length });
  return { removed, at: new Date().toISOString() };
};
