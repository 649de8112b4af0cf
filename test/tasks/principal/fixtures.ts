// What the stack gives the contain-principal functions; imported first so handlers read it at load, as in Lambda.
export const TABLE = 'principal-cases';
export const ACCOUNT = '111122223333';
export const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:notifications`;
Object.assign(process.env, {
  PRINCIPAL_CASE_TABLE_NAME: TABLE, STACK_ACCOUNT_ID: ACCOUNT, CONTAIN_OWN_ROLE_PREFIX: 'RemediationStack-',
  CONTAIN_OWN_ROLE_ARNS: `arn:aws:iam::${ACCOUNT}:role/named-remediation-role`, CONTAIN_NOTIFICATION_TOPIC_ARN: TOPIC,
});

import type { ContainPlan } from '../../../tasks/principal/lib/plan';
import type { Principal } from '../../../tasks/principal/lib/principal';
import { sessionDenyDocument } from '../../../tasks/principal/lib/principal';

export const EXECUTION = { name: 'contain-principal-alice-20261201T120000Z', startTime: '2026-12-01T12:00:00.000Z' };
export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const USER: Principal = { kind: 'user', partition: 'aws', account: ACCOUNT, arn: USER_ARN, name: 'alice' };
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/apps/app-role`;
export const ROLE: Principal = { kind: 'role', partition: 'aws', account: ACCOUNT, arn: ROLE_ARN, name: 'app-role', session: 'i-0123456789abcdef0' };
export const KEY = 'AKIAIOSFODNN7EXAMPLE';
export const KEY2 = 'AKIAI44QH8DHBEXAMPLE';
export const CASE = 'case-1';
export const POLICY = `remediation-contain-${CASE}`;
export const REVOKED_BEFORE = '2026-12-01T12:00:01.000Z';
export const DOCUMENT = sessionDenyDocument(REVOKED_BEFORE);
export const TRIGGER = { source: 'console' as const, claimed: true as const };

/** SaveCase's output on a containment: the deny with its time fixed. */
export const SAVED = { caseId: CASE, at: REVOKED_BEFORE, sessionPolicy: { name: POLICY, document: DOCUMENT, revokedBefore: REVOKED_BEFORE } };

export const request = (overrides: Record<string, unknown> = {}) => ({
  principalArn: USER_ARN, principalType: 'IAMUser' as const, accessKeyId: KEY, deactivateAllKeys: false, approval: false, mode: 'apply' as const, trigger: TRIGGER, ...overrides,
});

export const containPlan = (overrides: Partial<ContainPlan> = {}): ContainPlan => ({
  outcome: 'PROCEED', action: 'contain', target: USER_ARN, caseId: CASE, principal: USER,
  prior: { accessKeys: [{ accessKeyId: KEY, status: 'Active' }], inlinePolicies: [] },
  changes: { deactivateKeys: [KEY], sessionPolicy: { name: POLICY } },
  keptKeys: [], maxSessionSeconds: 36 * 3600, ...overrides,
});

/** A case item as DynamoDB holds it. */
export const caseItem = (overrides: { principal?: Principal; changes?: Record<string, { action: string; resourceId: string; at: string }>; releasedAt?: string; execution?: string; maxSessionSeconds?: number } = {}) => ({
  caseId: { S: CASE }, principalArn: { S: (overrides.principal ?? USER).arn }, principal: { S: JSON.stringify(overrides.principal ?? USER) },
  containExecution: { S: overrides.execution ?? EXECUTION.name }, savedAt: { S: REVOKED_BEFORE },
  prior: { S: JSON.stringify({ accessKeys: [{ accessKeyId: KEY, status: 'Active' }, { accessKeyId: KEY2, status: 'Inactive' }], inlinePolicies: [] }) },
  planned: { S: JSON.stringify({ deactivateKeys: [KEY], sessionPolicy: { name: POLICY } }) },
  sessionPolicy: { S: JSON.stringify({ name: POLICY, document: DOCUMENT, revokedBefore: REVOKED_BEFORE }) },
  maxSessionSeconds: { N: String(overrides.maxSessionSeconds ?? 36 * 3600) },
  changes: { M: Object.fromEntries(Object.entries(overrides.changes ?? {
    [`deactivate-access-key:${KEY}`]: { action: 'deactivate-access-key', resourceId: KEY, at: REVOKED_BEFORE },
    [`put-session-deny:${POLICY}`]: { action: 'put-session-deny', resourceId: POLICY, at: REVOKED_BEFORE },
  }).map(([k, c]) => [k, { M: { action: { S: c.action }, resourceId: { S: c.resourceId }, at: { S: c.at } } }])) },
  ...(overrides.releasedAt ? { releasedAt: { S: overrides.releasedAt } } : {}),
});
