import {
  GetRoleCommand, GetRolePolicyCommand, GetUserCommand, GetUserPolicyCommand, NoSuchEntityException,
  paginateListAccessKeys, paginateListRolePolicies, paginateListUserPolicies, type IAMClient, type Tag,
} from '@aws-sdk/client-iam';
import { ResourceNotFoundError, awsErrorName } from '../../lib/errors';
import type { AccessKeyState } from './case-store';
import { ROLE_SESSION_CAP_SECONDS, USER_SESSION_MAX_SECONDS, type Principal } from './principal';

/** What IAM says of a user or role now: the facts the plan, verify and release decide on. */
export interface IamState {
  /** The role's ARN with its path (an assumed-role ARN has none). */
  arn: string;
  path: string;
  tags: Tag[];
  accessKeys: AccessKeyState[];
  inlinePolicies: string[];
  maxSessionSeconds: number;
}

const notFound = (error: unknown): boolean => error instanceof NoSuchEntityException || awsErrorName(error) === 'NoSuchEntity' || awsErrorName(error) === 'NoSuchEntityException';

/** The user's or role's path, tags, access keys (users) and inline policy names, over every page. */
export async function readIamState(iam: IAMClient, p: Principal): Promise<IamState> {
  try {
    if (p.kind === 'user') {
      const { User: user } = await iam.send(new GetUserCommand({ UserName: p.name }));
      const accessKeys: AccessKeyState[] = [];
      for await (const page of paginateListAccessKeys({ client: iam }, { UserName: p.name })) {
        for (const k of page.AccessKeyMetadata ?? []) if (k.AccessKeyId) accessKeys.push({ accessKeyId: k.AccessKeyId, status: k.Status ?? 'Unknown' });
      }
      const inlinePolicies: string[] = [];
      for await (const page of paginateListUserPolicies({ client: iam }, { UserName: p.name })) inlinePolicies.push(...(page.PolicyNames ?? []));
      return { arn: user?.Arn ?? p.arn, path: user?.Path ?? '/', tags: user?.Tags ?? [], accessKeys, inlinePolicies, maxSessionSeconds: USER_SESSION_MAX_SECONDS };
    }
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: p.name }));
    const inlinePolicies: string[] = [];
    for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: p.name })) inlinePolicies.push(...(page.PolicyNames ?? []));
    return {
      arn: role?.Arn ?? p.arn, path: role?.Path ?? '/', tags: role?.Tags ?? [], accessKeys: [], inlinePolicies,
      maxSessionSeconds: Math.min(role?.MaxSessionDuration ?? 3600, ROLE_SESSION_CAP_SECONDS),
    };
  } catch (error) {
    if (notFound(error)) throw new ResourceNotFoundError(`${p.kind} ${p.name} not found in IAM`);
    throw error;
  }
}

/** One inline policy's document (decoded), or undefined when it is not there. */
export async function inlinePolicyDocument(iam: IAMClient, p: Principal, policyName: string): Promise<string | undefined> {
  try {
    const out = p.kind === 'user'
      ? await iam.send(new GetUserPolicyCommand({ UserName: p.name, PolicyName: policyName }))
      : await iam.send(new GetRolePolicyCommand({ RoleName: p.name, PolicyName: policyName }));
    // IAM returns the document URL-encoded.
    return out.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** The same policy, whatever the whitespace and key order IAM gives it back in. */
export function sameDocument(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const canonical = (v: unknown): unknown => (Array.isArray(v) ? v.map(canonical)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canonical(x)])) : v);
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
  } catch {
    return false;
  }
}
