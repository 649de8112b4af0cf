import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { ErrorNames } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import type { BlockPlan } from './lib/block-types';
import { blockTagKey, deleteEntry, blockTagValue, denyOf, describeNacls, managedBlocks } from './lib/nacl-blocks';

const ec2 = createEc2Client();

export interface UndoBlocksEvent {
  plan: BlockPlan;
  execution: ExecutionFacts;
  error: { Error: string; Cause: string };
}

export interface BlocksUndone {
  error: typeof ErrorNames.remediationRolledBack;
  cause: string;
  removed: string[];
  restored: string[];
  /** Evicted entries are not put back: the quota had no room for them and the new block. */
  notRestored: string[];
}

/**
 * ApplyBlocks or VerifyBlocks failed: removes what this execution created (entries whose record names it) and puts back
 * the expiry of what it extended, so no entry stays without a removal on its way. Safe to run again.
 */
export const handler = async ({ plan, execution, error }: UndoBlocksEvent): Promise<BlocksUndone> => {
  const nacls = await describeNacls(ec2, { naclIds: plan.nacls.map((p) => p.naclId) });
  const out: BlocksUndone = { error: ErrorNames.remediationRolledBack, cause: '', removed: [], restored: [], notRestored: [] };
  for (const p of plan.nacls) {
    const nacl = nacls.find((n) => n.NetworkAclId === p.naclId);
    const ours = (cidr: string) => nacl && managedBlocks(nacl).some((b) => b.direction === plan.direction && b.cidr === cidr && b.execution === execution.name);
    for (const c of p.create.filter((x) => ours(x.cidr))) {
      if (nacl && denyOf(nacl, plan.direction, c.cidr, c.ruleNumber)) await deleteEntry(ec2, p.naclId, plan.direction, c.ruleNumber);
      await ec2.send(new DeleteTagsCommand({ Resources: [p.naclId], Tags: [{ Key: blockTagKey(plan.direction, c.cidr) }] }));
      out.removed.push(`${p.naclId} ${c.cidr}`);
    }
    const back = p.extend.filter((x) => ours(x.cidr));
    if (back.length > 0) {
      await ec2.send(new CreateTagsCommand({
        Resources: [p.naclId],
        Tags: back.map((x) => ({ Key: blockTagKey(plan.direction, x.cidr), Value: blockTagValue({ ruleNumber: x.ruleNumber, expiresAt: x.from, execution: x.fromExecution }) })),
      }));
      out.restored.push(...back.map((x) => `${p.naclId} ${x.cidr} until ${x.from}`));
    }
    out.notRestored.push(...p.evict.map((b) => `${p.naclId} ${b.cidr} (rule ${b.ruleNumber}, evicted)`));
  }
  out.cause = `${error.Error}: ${error.Cause} — undone: removed ${out.removed.join(', ') || 'nothing'}; expiry restored ${out.restored.join(', ') || 'nowhere'}`
    + (out.notRestored.length > 0 ? `; not restored: ${out.notRestored.join(', ')}` : '');
  logger.info('blocks undone', { removed: out.removed.length, restored: out.restored.length });
  return out;
};
