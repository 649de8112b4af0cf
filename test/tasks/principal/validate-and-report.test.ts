import { ACCOUNT, CASE, EXECUTION, KEY, KEY2, POLICY, ROLE, USER_ARN, caseItem, containPlan, request } from './fixtures';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as validate } from '../../../tasks/principal/validate-contain-input';
import { handler as report } from '../../../tasks/principal/build-contain-report';
import { principalOf } from '../../../tasks/principal/lib/principal';
import { containInputOf } from '../../../tasks/principal/lib/triage-input';

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());
const run = (input: Record<string, unknown>) => validate({ input, execution: EXECUTION });

describe('validate-contain-input', () => {
  it('a user: the case id is the execution name by default, the lock is on the principal', async () => {
    const out = await run({ principalArn: `arn:aws:iam::${ACCOUNT}:user/ops/alice`, principalType: 'IAMUser', accessKeyId: KEY });

    expect(out).toMatchObject({ caseId: EXECUTION.name, lockTarget: `arn:aws:iam::${ACCOUNT}:user/alice`, principal: { kind: 'user', name: 'alice' }, request: { deactivateAllKeys: false, mode: 'apply' } });
  });

  it("an assumed-role session and its role (triage's sessionIssuer.arn) take the same lock", async () => {
    const session = await run({ principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/i-0123456789abcdef0`, principalType: 'AssumedRole', caseId: 'c' });
    const issuer = await run({ principalArn: `arn:aws:iam::${ACCOUNT}:role/apps/app-role`, principalType: 'AssumedRole', caseId: 'c' });

    expect(session.lockTarget).toBe(`arn:aws:iam::${ACCOUNT}:role/app-role`);
    expect(issuer.lockTarget).toBe(session.lockTarget);
  });

  it('release: the case record names the principal (read-only)', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ principal: ROLE }) });

    const out = await run({ release: { caseId: CASE } });

    expect(out).toMatchObject({ caseId: CASE, principal: ROLE, lockTarget: `arn:aws:iam::${ACCOUNT}:role/app-role` });
  });

  it.each([
    [{ principalType: 'IAMUser' }, 'give principalArn and principalType to contain, or release alone'],
    [{ principalArn: 'alice', principalType: 'IAMUser' }, 'principalArn'],
    [{ principalArn: USER_ARN, principalType: 'Admin' }, 'principalType'],
    [{ principalArn: USER_ARN, principalType: 'IAMUser', accessKeyId: 'secret' }, 'accessKeyId'],
    [{ principalArn: USER_ARN, principalType: 'IAMUser', caseId: 'a b' }, 'caseId'],
    [{ release: { caseId: CASE }, accessKeyId: KEY }, 'release: takes no accessKeyId'],
    [{ principalArn: `arn:aws:iam::${ACCOUNT}:role/x`, principalType: 'IAMUser' }, 'does not name an IAM user'],
  ])('refuses %j with InvalidInputError naming %s, before anything is read', async (input, field) => {
    await expect(run(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(field) });
    expect(dynamodb.calls()).toEqual([]);
  });

  it.each([
    [`arn:aws:sts::${ACCOUNT}:federated-user/bob`, 'FederatedUser', /GetFederationToken/],
    ['arn:aws:iam::444455556666:user/alice', 'IAMUser', /not this stack's/],
  ])('refuses %s (%s) with PreconditionFailedError naming what to do', async (principalArn, principalType, message) => {
    await expect(run({ principalArn, principalType })).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringMatching(message) });
  });

  it('release of an unknown case: ResourceNotFoundError', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    await expect(run({ release: { caseId: 'nope' } })).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: expect.stringContaining('release.caseId') });
  });
});

describe('build-contain-report', () => {
  const base = { request: request(), execution: EXECUTION };
  const at = '2026-12-01T12:00:02.000Z';

  it('contain: REMEDIATED, each recorded change as an action with before/after, and how to release', async () => {
    const out = await report({ ...base, plan: containPlan(), work: { applied: { changes: [{ action: 'put-session-deny', resourceId: POLICY, at }, { action: 'deactivate-access-key', resourceId: KEY, at }] } } });

    expect(out).toMatchObject({ workflow: 'contain-principal', target: USER_ARN, outcome: 'REMEDIATED', caseId: CASE, releaseWith: { release: { caseId: CASE } } });
    expect(out.actions).toEqual([
      { action: 'put-session-deny', resourceId: `${USER_ARN}#${POLICY}`, before: { present: false }, after: { present: true }, at },
      { action: 'deactivate-access-key', resourceId: `${USER_ARN}#${KEY}`, before: { status: 'Active' }, after: { status: 'Inactive' }, at },
    ]);
  });

  it('plan mode: PLANNED with exactly what would change, no actions', async () => {
    const out = await report({ ...base, plan: containPlan({ outcome: 'PLANNED' }), work: {} });

    expect(out).toMatchObject({ outcome: 'PLANNED', planned: { deactivateKeys: [KEY], sessionPolicy: POLICY }, actions: [] });
    expect(out.releaseWith).toBeUndefined();
  });

  it('root: NO_ACTION (nothing can be changed) with the finding, the steps and where they were sent', async () => {
    const root = principalOf(`arn:aws:iam::${ACCOUNT}:root`, 'Root');
    const notified = { topicArn: 'arn:aws:sns:us-east-1:111122223333:n', messageId: 'm', at };
    const out = await report({ ...base, plan: containPlan({ action: 'notify-root', principal: root, target: root.arn, rootSteps: ['Sign in.'], changes: { deactivateKeys: [] } }), work: { notified } });

    expect(out).toMatchObject({ outcome: 'NO_ACTION', finding: { kind: 'root-user', steps: ['Sign in.'], notified }, actions: [] });
  });

  it('release: the session deny kept until the sessions expire, said so', async () => {
    const plan = containPlan({ action: 'release', changes: { deactivateKeys: [] }, keptKeys: [{ accessKeyId: KEY2, reason: 'already Active again' }], release: { reactivateKeys: [KEY], sessionDeny: { policyName: POLICY, present: true, removeAt: '2026-12-03T00:00:01.000Z' } } });
    const out = await report({ ...base, plan, work: { released: { changes: [{ action: 'reactivate-access-key', resourceId: KEY, at }], releasedAt: at } } });

    expect(out.sessionDeny).toEqual({ policyName: POLICY, removeAt: '2026-12-03T00:00:01.000Z', reason: 'kept until 2026-12-03T00:00:01.000Z: sessions issued before the containment live up to 36 h; this execution removes it then' });
    expect(out.actions).toEqual([{ action: 'reactivate-access-key', resourceId: `${USER_ARN}#${KEY}`, before: { status: 'Inactive' }, after: { status: 'Active' }, at }]);
    expect(out.keptKeys).toEqual([{ accessKeyId: KEY2, reason: 'already Active again' }]);
  });
});

describe('the input triage will start contain-principal with (containInputOf)', () => {
  it.each([
    ['an assumed role (its sessionIssuer, the role)', { type: 'AssumedRole', arn: `arn:aws:iam::${ACCOUNT}:role/apps/app-role` }, `arn:aws:iam::${ACCOUNT}:role/app-role`],
    ['a federated user (its sessionIssuer, the IAM user)', { type: 'FederatedUser', arn: `arn:aws:iam::${ACCOUNT}:user/bob` }, `arn:aws:iam::${ACCOUNT}:user/bob`],
    ['an IAM user', { type: 'IAMUser', arn: USER_ARN }, USER_ARN],
  ])('%s is accepted, locked on the principal', async (_what, principal, lockTarget) => {
    const input = containInputOf({ principal, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' }, 'triage-start-instances-e1-20261201T120000Z', { source: 'eventbridge', eventId: 'e1' }, true);

    const out = await run(input);

    expect(out).toMatchObject({ caseId: 'triage-start-instances-e1-20261201T120000Z', lockTarget, request: { approval: true, trigger: { source: 'eventbridge', eventId: 'e1' } } });
  });
});
