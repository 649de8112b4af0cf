import type { ReportedTrigger, Trigger } from '../schemas';
import { InvalidIdentityProofError, verifyIdentityProof } from './proof';

/**
 * Trigger provenance (DESIGN.md "Workflow input"): an input `trigger` is only what the caller of
 * StartExecution wrote. With a valid proof bound to this execution (`remediate start` adds one) the
 * principal is who signed it, `verified`; without one the trigger is kept as given but `claimed`, and
 * nothing (the approval's requester check above all) trusts a claimed principal. For triage's
 * children the proven signer is triage's own role (`startedBy`); the principal stays the CloudTrail
 * event's (`principalFrom: cloudtrail`).
 */
export async function proveTrigger(trigger: Trigger, executionArn: string | undefined): Promise<ReportedTrigger> {
  const { proof, ...rest } = trigger;
  if (!proof) return { ...rest, claimed: true };
  if (!executionArn) return { ...rest, claimed: true, unverified: 'the execution ARN is unknown' };
  try {
    const identity = await verifyIdentityProof(proof, 'start', executionArn);
    if (rest.source === 'eventbridge') return { ...rest, startedBy: identity.arn, ...(rest.principal ? { principalFrom: 'cloudtrail' } : {}), verified: true };
    return { ...rest, principal: identity.arn, verified: true };
  } catch (error) {
    if (!(error instanceof InvalidIdentityProofError)) throw error; // STS unavailable: the state's Retry
    return { ...rest, claimed: true, unverified: error.message };
  }
}

/** Who asked for the execution, if proven: the verified starter; a claimed trigger names nobody. */
export function provenRequester(trigger: ReportedTrigger | undefined): string | undefined {
  if (!trigger?.verified) return undefined;
  return trigger.startedBy ?? trigger.principal;
}
