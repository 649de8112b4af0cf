import { createIamClient } from '../lib/clients/iam';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { AccessKeyState } from './lib/case-store';
import { inlinePolicyDocument, readIamState, sameDocument } from './lib/iam-state';
import type { ContainPlan } from './lib/plan';
import type { SavedCase } from './save-case';

const iam = createIamClient();

/** `saved`: SaveCase's output on a containment (the deny's exact document); empty on a release. */
export interface VerifyPrincipalEvent { plan: ContainPlan; saved: Partial<SavedCase> }

export interface PrincipalVerified {
  accessKeys: AccessKeyState[];
  /** The session deny as IAM holds it now (contain: the one put; release: kept until its sessions expire). */
  sessionDeny?: { policyName: string; present: boolean };
  at: string;
}

/**
 * Re-reads the principal after contain or release: every key the plan changed has the status it should, and the session
 * deny is there with exactly the planned document (contain). moto does not enforce either: this shows the state only.
 */
export const handler = async ({ plan, saved }: VerifyPrincipalEvent): Promise<PrincipalVerified> => {
  const state = await readIamState(iam, plan.principal);
  const expected: [string, string][] = plan.action === 'release'
    ? (plan.release?.reactivateKeys ?? []).map((id) => [id, 'Active'])
    : plan.changes.deactivateKeys.map((id) => [id, 'Inactive']);
  const wrong = expected.filter(([id, status]) => state.accessKeys.find((k) => k.accessKeyId === id)?.status !== status);
  if (wrong.length > 0) {
    throw new VerificationFailedError(`access keys not ${wrong.map(([id, status]) => `${status}: ${id}`).join(', ')} after the ${plan.action}`);
  }
  const policy = plan.action === 'contain' ? saved.sessionPolicy : undefined;
  let sessionDeny: PrincipalVerified['sessionDeny'];
  if (policy) {
    const document = await inlinePolicyDocument(iam, plan.principal, policy.name);
    if (!sameDocument(document, policy.document)) throw new VerificationFailedError(`the session deny ${policy.name} is not on ${plan.target} as planned`);
    sessionDeny = { policyName: policy.name, present: true };
  } else if (plan.release?.sessionDeny) {
    sessionDeny = { policyName: plan.release.sessionDeny.policyName, present: state.inlinePolicies.includes(plan.release.sessionDeny.policyName) };
  }
  logger.info('principal verified', { action: plan.action, keys: expected.length, sessionDeny });
  return { accessKeys: state.accessKeys, ...(sessionDeny ? { sessionDeny } : {}), at: new Date().toISOString() };
};
