import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { PreconditionFailedError } from '../../lib/errors';
import { readCase } from './case-store';
import { readIamState } from './iam-state';
import { outcomeOf, ROOT_STEPS, type ContainPlan, type KeptKey } from './plan';
import { caseOfPolicy, refuseProtected, sessionPolicyName, type Principal, type Protection } from './principal';
import type { ContainInput } from './schema';

export interface ContainContext {
  iam: IAMClient;
  dynamodb: DynamoDBClient;
  table: string;
  protection: Protection;
  executionName: string;
  now: Date;
}

/**
 * The containment plan, read-only: refuses protected principals; the keys to set Inactive (the one used, or all
 * active ones); the session deny, unless a deny of an open case is already in force (a re-run: NO_ACTION).
 */
export async function planContain(request: ContainInput, caseId: string, given: Principal, ctx: ContainContext): Promise<ContainPlan> {
  if (given.kind === 'root') {
    return {
      outcome: outcomeOf(request.mode, true), action: 'notify-root', target: given.arn, caseId, principal: given,
      changes: { deactivateKeys: [] }, keptKeys: [], maxSessionSeconds: 0, rootSteps: ROOT_STEPS,
    };
  }
  const state = await readIamState(ctx.iam, given);
  const principal = { ...given, arn: state.arn };
  refuseProtected(principal, state.path, state.tags, ctx.protection);
  const existing = await readCase(ctx.dynamodb, ctx.table, caseId);
  if (existing && existing.containExecution !== ctx.executionName) {
    throw new PreconditionFailedError(`caseId: case ${caseId} already holds the containment of ${existing.principal.arn} (${existing.containExecution}): give another caseId, or release that one`);
  }

  const keptKeys: KeptKey[] = [];
  let deactivateKeys: string[] = [];
  if (principal.kind === 'user') {
    const key = request.accessKeyId;
    if (key?.startsWith('ASIA')) keptKeys.push({ accessKeyId: key, reason: 'a temporary key (a session): the session deny revokes it' });
    else if (key && !state.accessKeys.some((k) => k.accessKeyId === key)) {
      throw new PreconditionFailedError(`accessKeyId: ${key} is not an access key of user ${principal.name}`);
    }
    const wanted = request.deactivateAllKeys ? state.accessKeys : state.accessKeys.filter((k) => k.accessKeyId === key);
    deactivateKeys = wanted.filter((k) => k.status === 'Active').map((k) => k.accessKeyId);
    keptKeys.push(...wanted.filter((k) => k.status !== 'Active').map((k) => ({ accessKeyId: k.accessKeyId, reason: `already ${k.status}` })));
  } else if (request.accessKeyId) {
    keptKeys.push({ accessKeyId: request.accessKeyId, reason: 'a role session\'s temporary key: the session deny revokes it' });
  }

  const sessionDenyInForce = await denyInForce(state.inlinePolicies, ctx);
  // The deny's time is fixed by SaveCase, right before the first change (after any approval), not here.
  const changes = { deactivateKeys, ...(sessionDenyInForce ? {} : { sessionPolicy: { name: sessionPolicyName(caseId) } }) };
  return {
    outcome: outcomeOf(request.mode, deactivateKeys.length > 0 || changes.sessionPolicy !== undefined),
    action: 'contain', target: principal.arn, caseId, principal,
    prior: { accessKeys: state.accessKeys, inlinePolicies: state.inlinePolicies },
    changes, keptKeys, ...(sessionDenyInForce ? { sessionDenyInForce } : {}), maxSessionSeconds: state.maxSessionSeconds,
  };
}

/**
 * Our session deny already on the principal, from a case not yet released (or one we cannot find: kept, to be safe).
 * A released case's deny only waits for its sessions to expire and is removed then: it does not count.
 */
async function denyInForce(policies: string[], ctx: ContainContext): Promise<string | undefined> {
  for (const policy of policies) {
    const owner = caseOfPolicy(policy);
    if (owner === undefined) continue;
    const record = await readCase(ctx.dynamodb, ctx.table, owner);
    if (!record?.releasedAt) return policy;
  }
  return undefined;
}
