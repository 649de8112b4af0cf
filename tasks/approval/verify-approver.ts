import { ApprovalRejectedError } from '../lib/errors';
import { InvalidIdentityProofError, principalOf, verifyIdentityProof } from '../lib/identity/proof';
import { provenRequester } from '../lib/identity/trigger';
import { logger } from '../lib/logger';
import type { ReportedTrigger } from '../lib/schemas';

export interface VerifyApproverEvent {
  /** The SendTaskSuccess output, already checked to say `"approved": true` (RequestApprovalAnswered). */
  answer: { approved: true; reason?: unknown; identityProof?: unknown };
  executionArn: string;
  /** The validated request's trigger: its principal counts as the requester only when verified. */
  trigger?: ReportedTrigger;
}

/** What the state, the history and the report keep of the approval: who approved, as STS says. */
export interface ApprovalRecord {
  approved: true;
  /** The verified identity that signed the answer's proof. */
  approver: string;
  /** The principal behind it (the role of an assumed-role session): what the requester check compares. */
  approverPrincipal: string;
  verifiedAt: string;
  reason?: string;
  /** The proven requester, or none when the trigger was only claimed. */
  requester?: string;
}

const REJECTED = 'treated as rejected; nothing was changed';

/**
 * After an answer that says "approved": true: who approved is who signed its identity proof (an STS
 * GetCallerIdentity presigned for `approve:<this execution>`), never a field of the answer. No valid
 * proof, or an approver who is the proven requester (compared as principals: two sessions of one
 * role are one principal), is a rejection. The proof itself is not kept: the record replaces the answer.
 */
export const handler = async (event: VerifyApproverEvent): Promise<ApprovalRecord> => {
  let identity;
  try {
    identity = await verifyIdentityProof(event.answer.identityProof, 'approve', event.executionArn);
  } catch (error) {
    if (!(error instanceof InvalidIdentityProofError)) throw error; // STS unavailable: retried by the state
    logger.warn('approval without a valid identity proof', { reason: error.message });
    throw new ApprovalRejectedError(`the approval carries no valid identity proof (${error.message}): ${REJECTED}`);
  }
  const requester = provenRequester(event.trigger);
  if (requester && principalOf(requester) === identity.principal) {
    logger.warn('self-approval refused', { approver: identity.arn, requester });
    throw new ApprovalRejectedError(`the requester cannot approve their own request (${identity.principal} started this execution): ${REJECTED}`);
  }
  const reason = typeof event.answer.reason === 'string' ? event.answer.reason.slice(0, 1024) : undefined;
  logger.info('approval verified', { approver: identity.arn });
  return {
    approved: true, approver: identity.arn, approverPrincipal: identity.principal, verifiedAt: identity.verifiedAt,
    ...(reason ? { reason } : {}), ...(requester ? { requester } : {}),
  };
};
