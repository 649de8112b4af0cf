import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { readAccount } from './lib/account';
import { judge } from './lib/judge';
import type { ExpiryPlan, ExpiryRunContext } from './lib/types';

const ec2 = createEc2Client();

/**
 * The plan travels in the execution's state (at most 256 KB): up to 50 full descriptions, and at most this many
 * refusals and not-yet-due entries listed (the rest counted in `omitted`; the delete step judges everything anew).
 */
export const MAX_LISTED = { refused: 200, notYetDue: 100 } as const;

/**
 * Read-only: finds every volume and snapshot whose `remediation:retain-until` has passed and judges each
 * (lib/judge.ts): what may be deleted, with why and its full description, and what is refused, with its reason.
 * Nothing to delete: NO_ACTION (refusals still listed). Plan mode stops here with the plan.
 */
export const handler = async ({ request }: ExpiryRunContext): Promise<ExpiryPlan> => {
  const now = new Date();
  const judgement = judge(await readAccount(ec2), now);
  const outcome = judgement.delete.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('expiry planned', {
    outcome, delete: judgement.delete.length, refused: judgement.refused.length, deferred: judgement.deferred.length, notYetDue: judgement.notYetDue.length,
  });
  const omitted = { refused: Math.max(0, judgement.refused.length - MAX_LISTED.refused), notYetDue: Math.max(0, judgement.notYetDue.length - MAX_LISTED.notYetDue) };
  return {
    ...judgement, refused: judgement.refused.slice(0, MAX_LISTED.refused), notYetDue: judgement.notYetDue.slice(0, MAX_LISTED.notYetDue),
    ...(omitted.refused + omitted.notYetDue > 0 ? { omitted } : {}),
    outcome, region: await ec2.config.region(), checkedAt: now.toISOString(),
  };
};
