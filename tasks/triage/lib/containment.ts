import { principalOf } from '../../principal/lib/principal';
import type { TriageDecision } from './policy';

/** The case id one StartInstances event opens: it links triage, its children and contain-principal's case record. */
export const caseIdOf = (eventId: string): string => `case-${eventId}`;

/** Whether the principal is on the allow-list (ARN prefixes; an empty list allows everyone: no finding). */
export const principalAllowed = (allowed: readonly string[], principalArn: string): boolean =>
  allowed.length === 0 || allowed.some((prefix) => principalArn.startsWith(prefix));

/** What triage does about the event's principal: contain-principal once per event, or a report saying why not. */
export interface PrincipalContainment {
  workflow: 'contain-principal';
  decision: TriageDecision;
  reason: string;
  /** The principal's ARN (the session issuer's for a role): contain-principal's target. */
  target: string;
  caseId: string;
  /** What contain-principal is given: the principal and the access key used (absent: a key may be missing from the event). */
  caller: { principal: { arn: string; type: string }; accessKeyId?: string };
}

export interface ContainmentSettings {
  allowedPrincipals: readonly string[];
  decision: TriageDecision;
  /** The stack's own roles (by ARN) and the prefix CloudFormation gives their names: never contained. */
  ownRoleArns: readonly string[];
  ownRolePrefix: string;
  /** The stack's account: another account's principal is contained from that account, not here. */
  account: string;
}

const SERVICE_LINKED = /:role\/aws-service-role\//;
const IDENTITY_CENTER = /:role\/(aws-reserved\/sso\.amazonaws\.com\/.*|.*\/)?AWSReservedSSO_/;

/** Why contain-principal must not or cannot act on this principal (it would refuse it too), or undefined. */
export function refusal(arn: string, type: string, settings: ContainmentSettings): string | undefined {
  let account: string;
  try {
    ({ account } = principalOf(arn, type));
  } catch (error) {
    return (error as Error).message;
  }
  if (account !== settings.account) return `${arn} is of account ${account}, not this stack's (${settings.account}): contain it from its own account`;
  const name = arn.split('/').pop() ?? '';
  if (settings.ownRoleArns.includes(arn) || (settings.ownRolePrefix !== '' && arn.includes(':role/') && name.startsWith(settings.ownRolePrefix))) {
    return `${arn} is one of this stack's own roles: the product never contains itself; investigate and act by hand`;
  }
  if (SERVICE_LINKED.test(arn)) return `${arn} is a service-linked role: restrict it with an SCP in AWS Organizations`;
  if (IDENTITY_CENTER.test(arn)) return `${arn} is an IAM Identity Center role: revoke the user's active sessions in IAM Identity Center`;
  return undefined;
}

/**
 * The event-level finding: a principal not on the allow-list gets contain-principal under the policy's decision;
 * one it must not or cannot contain (the stack's own roles, service-linked and Identity Center roles, AWS services)
 * is reported with the reason. Undefined when the principal is allowed.
 */
export function containmentOf(
  principal: { arn: string; type: string }, accessKeyId: string | undefined, eventId: string, settings: ContainmentSettings,
): PrincipalContainment | undefined {
  if (principalAllowed(settings.allowedPrincipals, principal.arn)) return undefined;
  const caller = { principal, ...(accessKeyId ? { accessKeyId } : {}) };
  const base = { workflow: 'contain-principal' as const, target: principal.arn, caseId: caseIdOf(eventId), caller };
  const reason = `started by ${principal.arn}, who is not on the allow-list`;
  const refused = refusal(principal.arn, principal.type, settings);
  if (refused) return { ...base, decision: 'report', reason: `${reason}; not contained: ${refused}` };
  return { ...base, decision: settings.decision, reason };
}

/**
 * isolate-instance's execution for one instance of a case: `case-<eventId>-<instanceId>` (at most 69 characters for
 * event ids of at most 44 and instance ids of 19; Step Functions allows 80), so a retried start finds the first.
 */
export const isolationNameOf = (caseId: string, instanceId: string): string => `${caseId}-${instanceId}`;

/** What triage does about each started instance of the same event: isolate-instance, under its own policy entry. */
export interface InstanceIsolation {
  workflow: 'isolate-instance';
  decision: TriageDecision;
  reason: string;
  /** The same case as contain-principal's: one case id links triage, both children and their case records. */
  caseId: string;
}

/**
 * Why the instances this principal acted on are never isolated by the product (a person decides): the containment
 * refusals, and root (contain-principal only notifies about root). Undefined when they may be.
 */
export function isolationRefusal(arn: string, type: string, settings: ContainmentSettings, rootDid = 'started it'): string | undefined {
  if (type === 'Root') return `the root user ${rootDid}: contain-principal only notifies, and a person decides on the instance (isolate-instance by hand)`;
  return refusal(arn, type, settings);
}

/**
 * Isolation follows the containment finding: the same condition (a principal not on the allow-list) and the same
 * refusals (the stack's own roles, service-linked and Identity Center roles, other accounts, and root): reported, never started.
 * `settings.decision` is the policy's isolate-instance entry.
 */
export function isolationOf(principal: { arn: string; type: string }, eventId: string, settings: ContainmentSettings): InstanceIsolation | undefined {
  if (principalAllowed(settings.allowedPrincipals, principal.arn)) return undefined;
  const base = { workflow: 'isolate-instance' as const, caseId: caseIdOf(eventId) };
  const reason = `started by ${principal.arn}, who is not on the allow-list`;
  const refused = isolationRefusal(principal.arn, principal.type, settings);
  if (refused) return { ...base, decision: 'report', reason: `${reason}; not isolated: ${refused}` };
  return { ...base, decision: settings.decision, reason };
}
