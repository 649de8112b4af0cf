import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError, ResourceNotFoundError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import type { UnblockPlan, UnblockRunContext } from './lib/block-types';
import { NACL_MISSING, denyOf, describeNacls, managedBlocks } from './lib/nacl-blocks';

const ec2 = createEc2Client();

async function naclsOf(naclIds?: string[]) {
  try {
    return await describeNacls(ec2, naclIds ? { naclIds } : {});
  } catch (error) {
    if (awsErrorName(error) === NACL_MISSING) throw new ResourceNotFoundError(`NACL not found: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Read-only: the blocks this product manages (the NACL's expiry tags) that the input names, by block execution or by
 * CIDR and NACL, and whether each entry is still there. Only managed entries are removed: a DENY someone else
 * added is listed as skipped. `onlyExpired` (the scheduled removal): every managed block, on any NACL, whose expiry has passed.
 */
export const handler = async ({ request }: UnblockRunContext): Promise<UnblockPlan> => {
  const nacls = await naclsOf(request.naclIds);
  const now = new Date().toISOString();
  const plan: UnblockPlan = { outcome: 'NO_ACTION', remove: [], naclIds: [], skipped: [] };
  for (const nacl of nacls) {
    const naclId = nacl.NetworkAclId as string;
    const managed = managedBlocks(nacl).filter((b) => !request.direction || b.direction === request.direction);
    // The scheduled removal sweeps every managed block whose recorded expiry has passed, whichever execution recorded it last:
    // the NACL's record is the truth, so nothing outlives its expiry because the alarm that was meant for it never rang.
    const asked = request.onlyExpired ? managed
      : request.blockExecution ? managed.filter((b) => b.execution === request.blockExecution) : managed.filter((b) => request.cidrs?.includes(b.cidr));
    if (asked.length > 0 && (nacl.Tags ?? []).some((t) => t.Key === TAG.exclude && t.Value === 'true')) {
      throw new PreconditionFailedError(`${naclId} is tagged ${TAG.exclude}=true: remove the tag, or its entries by hand`);
    }
    for (const cidr of request.cidrs ?? []) {
      if (!managed.some((b) => b.cidr === cidr)) plan.skipped.push({ naclId, cidr, reason: denyOf(nacl, request.direction ?? 'ingress', cidr) ? 'denied by a rule this product does not manage' : 'not blocked' });
    }
    for (const b of asked) {
      if (request.onlyExpired && b.expiresAt > now) plan.skipped.push({ naclId, cidr: b.cidr, reason: `expires at ${b.expiresAt}` });
      else plan.remove.push({ ...b, entryPresent: Boolean(denyOf(nacl, b.direction, b.cidr, b.ruleNumber)) });
    }
  }
  plan.naclIds = [...new Set(plan.remove.map((b) => b.naclId))];
  plan.outcome = plan.remove.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('unblock planned', { remove: plan.remove.length, skipped: plan.skipped.length, outcome: plan.outcome });
  return plan;
};
