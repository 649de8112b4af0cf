import { InvalidInputError, PreconditionFailedError } from '../../lib/errors';
import { TAG } from '../../lib/tags';

/** The IAM identity behind a CloudTrail principal: what contain-principal changes (or, for root, only reports). */
export interface Principal {
  kind: 'user' | 'role' | 'root';
  partition: string;
  account: string;
  /** The IAM ARN: the user's, the role's (not the session's), or the account root's. The lock's key. */
  arn: string;
  /** User or role name (root: `root`). */
  name: string;
  /** The assumed-role session, when the input named one. */
  session?: string;
}

const ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;

/**
 * The principal from CloudTrail's userIdentity arn and type. An assumed-role ARN carries the role's name but
 * not its path (arn:aws:sts::<acct>:assumed-role/<RoleName>/<session>): the role's ARN comes from GetRole.
 * Types IAM cannot restrict here are refused, naming the tool that can.
 */
export function principalOf(arn: string, type: string): Principal {
  const m = ARN.exec(arn);
  if (!m) throw new InvalidInputError(`invalid input: principalArn: ${arn} is not an IAM or STS ARN`);
  const [, partition, service, account, resource] = m as unknown as [string, string, string, string, string];
  if (type === 'Root' || (service === 'iam' && resource === 'root')) {
    return { kind: 'root', partition, account, arn: `arn:${partition}:iam::${account}:root`, name: 'root' };
  }
  // A federated user's sessionIssuer is the IAM user whose keys called GetFederationToken (what triage hands on):
  // its policies bound the federated session, so containing that user cuts the federation tokens too.
  if ((type === 'IAMUser' || type === 'FederatedUser') && service === 'iam' && resource.startsWith('user/')) {
    const name = resource.split('/').pop() as string;
    return { kind: 'user', partition, account, arn, name };
  }
  if (type === 'AssumedRole') {
    const session = /^assumed-role\/([\w+=,.@-]+)\/(.+)$/.exec(resource);
    if (service === 'sts' && session) return { kind: 'role', partition, account, arn: '', name: session[1] as string, session: session[2] as string };
    // Triage hands on sessionContext.sessionIssuer.arn: the role itself, with its path.
    if (service === 'iam' && resource.startsWith('role/')) return { kind: 'role', partition, account, arn, name: resource.split('/').pop() as string };
  }
  if (type === 'FederatedUser') {
    throw new PreconditionFailedError(`${arn} is a federated user (GetFederationToken): its session policy cannot be changed; ` +
      'contain the IAM user whose keys called GetFederationToken (userIdentity.sessionContext.sessionIssuer.arn), which also denies its tokens');
  }
  if (type === 'AWSService' || type === 'AWSAccount') {
    throw new PreconditionFailedError(`${arn} (${type}) is an AWS service or another account acting through a resource policy: ` +
      'restrict it with the resource policy or an SCP, not here');
  }
  if (type === 'IdentityCenterUser' || type === 'Directory') {
    throw new PreconditionFailedError(`${arn} (${type}) is an IAM Identity Center / directory identity: revoke its active sessions in IAM Identity Center`);
  }
  throw new InvalidInputError(`invalid input: principalArn: ${arn} does not name an ${type === 'IAMUser' ? 'IAM user (arn:aws:iam::<account>:user/<name>)' : type === 'AssumedRole' ? 'assumed role (arn:aws:sts::<account>:assumed-role/<role>/<session>)' : `identity of type ${type}`}`);
}

/**
 * The lock's key: the principal's ARN without its path (IAM names are unique in an account whatever the path), so
 * a session ARN and its role's ARN take the same lock. It holds a '/', so the kit locks by the table alone and tags
 * nothing (tasks/lock/lib/lock.ts isResourceLock): IAM users and roles are not EC2 resources.
 */
export const lockTargetOf = (p: Principal): string =>
  (p.kind === 'root' ? `arn:${p.partition}:iam::${p.account}:root` : `arn:${p.partition}:iam::${p.account}:${p.kind}/${p.name}`);

export const SERVICE_LINKED_PATH = '/aws-service-role/';
export const SSO_RESERVED_PATH = '/aws-reserved/sso.amazonaws.com/';
export const SSO_ROLE_PREFIX = 'AWSReservedSSO_';

export interface Protection {
  /** The stack's own roles: never contained by the product itself. */
  ownRolePrefix: string;
  ownRoleArns: readonly string[];
}

/** Refuses, before any change, what contain-principal must not or cannot change, naming the right tool for each. */
export function refuseProtected(p: Principal, path: string, tags: readonly { Key?: string; Value?: string }[], protection: Protection): void {
  if (p.kind === 'role' && path.startsWith(SERVICE_LINKED_PATH)) {
    throw new PreconditionFailedError(`${p.arn} is a service-linked role: IAM does not let its policies be changed; restrict it with an SCP in AWS Organizations`);
  }
  if (p.kind === 'role' && (path.startsWith(SSO_RESERVED_PATH) || p.name.startsWith(SSO_ROLE_PREFIX))) {
    throw new PreconditionFailedError(`${p.arn} is an IAM Identity Center role (AWSReservedSSO_*): Identity Center overwrites its policies; ` +
      "revoke the user's active sessions in IAM Identity Center (and remove the permission set assignment)");
  }
  if (tags.some((t) => t.Key === TAG.exclude && t.Value?.toLowerCase() === 'true')) {
    throw new PreconditionFailedError(`${p.arn} is tagged ${TAG.exclude}=true: contain it by hand if needed`);
  }
  if (p.kind === 'role' && (protection.ownRoleArns.includes(p.arn) || (protection.ownRolePrefix !== '' && p.name.startsWith(protection.ownRolePrefix)))) {
    throw new PreconditionFailedError(`${p.arn} is one of this stack's own roles: the product never contains itself; investigate and act by hand`);
  }
}

/** Inline policy names the workflow puts: one per case, so a release removes its own and nothing else. */
export const SESSION_POLICY_PREFIX = 'remediation-contain-';
export const sessionPolicyName = (caseId: string): string => `${SESSION_POLICY_PREFIX}${caseId}`;
export const caseOfPolicy = (name: string): string | undefined => (name.startsWith(SESSION_POLICY_PREFIX) ? name.slice(SESSION_POLICY_PREFIX.length) : undefined);

/**
 * Deny everything to credentials issued before `revokedBefore`: the console's "revoke active sessions". Long-term
 * access keys carry no token issue time, so the condition never matches them (DateLessThan on a missing key is
 * false): that is why an IAM user's keys are set Inactive separately. New sessions (issued after) are unaffected.
 */
export function sessionDenyDocument(revokedBefore: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'RevokeOlderSessions', Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': revokedBefore } } }],
  });
}

/** The longest a stolen user session token can live (GetSessionToken: 36 hours). */
export const USER_SESSION_MAX_SECONDS = 36 * 3600;
/** The longest a role session can live: the role's MaxSessionDuration, at most 12 hours. */
export const ROLE_SESSION_CAP_SECONDS = 12 * 3600;
