import { TABLE, ACCOUNT, CASE, EXECUTION, KEY, KEY2, POLICY, ROLE_ARN, USER_ARN, caseItem, request } from './fixtures';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRoleCommand, GetUserCommand, IAMClient, ListAccessKeysCommand, ListRolePoliciesCommand, ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as plan } from '../../../tasks/principal/plan-containment';
import { principalOf } from '../../../tasks/principal/lib/principal';

const iam = mockClient(IAMClient);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  iam.reset();
  dynamodb.reset();
  dynamodb.on(GetItemCommand).resolves({});
});

const user = (keys: [string, string][], policies: string[] = [], tags: { Key: string; Value: string }[] = []) => {
  iam.on(GetUserCommand).resolves({ User: { UserName: 'alice', Arn: USER_ARN, Path: '/', Tags: tags, UserId: 'AIDA', CreateDate: new Date() } });
  iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: keys.map(([AccessKeyId, Status]) => ({ AccessKeyId, Status: Status as 'Active' })) });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: policies });
};
const role = (name: string, path: string, tags: { Key: string; Value: string }[] = [], maxSession = 7200) => {
  iam.on(GetRoleCommand).resolves({ Role: { RoleName: name, Path: path, Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`, Tags: tags, MaxSessionDuration: maxSession, RoleId: 'AROA', CreateDate: new Date() } });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
};
const containUser = (overrides: Record<string, unknown> = {}) =>
  plan({ request: request(overrides), execution: EXECUTION, caseId: CASE, principal: principalOf(USER_ARN, 'IAMUser') });
const containRole = (name: string) => plan({
  request: request({ principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/s`, principalType: 'AssumedRole', accessKeyId: undefined }),
  execution: EXECUTION, caseId: CASE, principal: principalOf(`arn:aws:sts::${ACCOUNT}:assumed-role/${name}/s`, 'AssumedRole'),
});

describe('plan-containment: contain an IAM user', () => {
  it('plans the key used Inactive and the session deny, and keeps the prior state (keys over every page)', async () => {
    user([]);
    iam.on(ListAccessKeysCommand).resolvesOnce({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: 'Active' }], IsTruncated: true, Marker: 'm' })
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: KEY2, Status: 'Active' }] });

    const out = await containUser();

    expect(out).toMatchObject({ outcome: 'PROCEED', action: 'contain', target: USER_ARN, changes: { deactivateKeys: [KEY], sessionPolicy: { name: POLICY } }, maxSessionSeconds: 36 * 3600 });
    expect(out.prior).toEqual({ accessKeys: [{ accessKeyId: KEY, status: 'Active' }, { accessKeyId: KEY2, status: 'Active' }], inlinePolicies: [] });
    // No time in the plan: SaveCase fixes it right before the first change, so the plan compares equal after an approval.
    expect(out.changes.sessionPolicy).toEqual({ name: POLICY });
    expect(iam).toHaveReceivedCommandTimes(ListAccessKeysCommand, 2);
  });

  it('deactivateAllKeys: every active key; one already Inactive is kept and said so; plan mode PLANNED', async () => {
    user([[KEY, 'Active'], [KEY2, 'Inactive']]);

    const out = await containUser({ deactivateAllKeys: true, mode: 'plan' });

    expect(out).toMatchObject({ outcome: 'PLANNED', changes: { deactivateKeys: [KEY] }, keptKeys: [{ accessKeyId: KEY2, reason: 'already Inactive' }] });
  });

  it('re-run: the key already Inactive and an open case\'s deny in force: NO_ACTION, no second deny', async () => {
    user([[KEY, 'Inactive']], ['remediation-contain-earlier']);
    dynamodb.on(GetItemCommand, { Key: { caseId: { S: 'earlier' } } }).resolves({ Item: caseItem() });

    const out = await containUser();

    expect(out).toMatchObject({ outcome: 'NO_ACTION', changes: { deactivateKeys: [] }, sessionDenyInForce: 'remediation-contain-earlier' });
    expect(out.changes.sessionPolicy).toBeUndefined();
  });

  it("a released case's deny, waiting for its sessions to expire, does not count: a new deny is planned", async () => {
    user([[KEY, 'Active']], ['remediation-contain-earlier', 'operators-own']);
    dynamodb.on(GetItemCommand, { Key: { caseId: { S: 'earlier' } } }).resolves({ Item: caseItem({ releasedAt: '2026-12-01T13:00:00.000Z' }) });

    const out = await containUser();

    expect(out.changes.sessionPolicy?.name).toBe(POLICY);
    expect(out.prior?.inlinePolicies).toEqual(['remediation-contain-earlier', 'operators-own']);
  });

  it('refuses a key that is not the user\'s, and a case id another execution holds, before any change', async () => {
    user([[KEY2, 'Active']]);
    await expect(containUser()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `accessKeyId: ${KEY} is not an access key of user alice` });

    user([[KEY, 'Active']]);
    dynamodb.on(GetItemCommand, { Key: { caseId: { S: CASE } } }).resolves({ Item: caseItem({ execution: 'contain-principal-other-20261130T000000Z' }) });
    await expect(containUser()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringMatching(/^caseId: case case-1 already holds/) });
  });

  it('a temporary key (ASIA...) is kept: the session deny revokes it', async () => {
    user([[KEY, 'Active']]);

    const out = await containUser({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE' });

    expect(out.changes.deactivateKeys).toEqual([]);
    expect(out.keptKeys).toEqual([{ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', reason: 'a temporary key (a session): the session deny revokes it' }]);
  });

  it('refuses a user tagged remediation:exclude=true (any case); a user gone is ResourceNotFoundError; throttling is thrown for Retry', async () => {
    user([[KEY, 'Active']], [], [{ Key: 'remediation:exclude', Value: 'TRUE' }]);
    await expect(containUser()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('remediation:exclude=true') });

    iam.on(GetUserCommand).rejects(awsError('NoSuchEntity'));
    await expect(containUser()).rejects.toMatchObject({ name: 'ResourceNotFoundError' });

    iam.on(GetUserCommand).rejects(awsError('Throttling'));
    await expect(containUser()).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('plan-containment: contain an assumed role', () => {
  it("finds the role (with its path) from the session ARN and plans the deny for its MaxSessionDuration (at most 12 h)", async () => {
    role('app-role', '/apps/', [], 43200 * 2);

    const out = await containRole('app-role');

    expect(out).toMatchObject({ outcome: 'PROCEED', target: ROLE_ARN, principal: { kind: 'role', name: 'app-role', arn: ROLE_ARN, session: 's' }, maxSessionSeconds: 43200 });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'app-role' });
  });

  it.each([
    ['a service-linked role', 'AWSServiceRoleForConfig', '/aws-service-role/config.amazonaws.com/', /an SCP in AWS Organizations/],
    ['an Identity Center role', 'AWSReservedSSO_Admin_0123', '/aws-reserved/sso.amazonaws.com/', /revoke the user's active sessions in IAM Identity Center/],
    ['an Identity Center role by its name alone', 'AWSReservedSSO_Admin_0123', '/', /IAM Identity Center/],
    ["one of this stack's roles (by name prefix)", 'RemediationStack-ApplyRole-ABC', '/', /never contains itself/],
    ["one of this stack's roles (by ARN)", 'named-remediation-role', '/', /never contains itself/],
  ])('refuses %s before any change, naming the right tool', async (_what, name, path, message) => {
    role(name, path);

    await expect(containRole(name)).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringMatching(message) });
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
  });
});

describe('plan-containment: root', () => {
  it('plans a notification only, with the steps a person must take', async () => {
    const out = await plan({ request: request({ principalArn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'Root', accessKeyId: undefined }), execution: EXECUTION, caseId: CASE, principal: principalOf(`arn:aws:iam::${ACCOUNT}:root`, 'Root') });

    expect(out).toMatchObject({ outcome: 'PROCEED', action: 'notify-root', target: `arn:aws:iam::${ACCOUNT}:root`, changes: { deactivateKeys: [] } });
    expect(out.rootSteps?.[0]).toMatch(/^Sign in as the root user/);
    expect(iam).toHaveReceivedCommandTimes(GetUserCommand, 0);
  });
});

describe('plan-containment: release', () => {
  const release = (mode: 'apply' | 'plan' = 'apply') => plan({ request: { release: { caseId: CASE }, deactivateAllKeys: false, approval: false, mode, trigger: request().trigger }, execution: EXECUTION, caseId: CASE, principal: principalOf(USER_ARN, 'IAMUser') });

  it('reactivates only the keys the case deactivated and still Inactive; the deny is removed at containment + 36 h', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem() });
    user([[KEY, 'Inactive'], [KEY2, 'Inactive']], [POLICY]);

    const out = await release();

    expect(out).toMatchObject({ outcome: 'PROCEED', action: 'release', release: { reactivateKeys: [KEY], sessionDeny: { policyName: POLICY, present: true, removeAt: '2026-12-03T00:00:01.000Z' } } });
  });

  it('a key reactivated or deleted since is left and said so; nothing left (deny gone too): NO_ACTION', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ changes: {
      [`deactivate-access-key:${KEY}`]: { action: 'deactivate-access-key', resourceId: KEY, at: 'x' },
      [`deactivate-access-key:${KEY2}`]: { action: 'deactivate-access-key', resourceId: KEY2, at: 'x' },
      [`put-session-deny:${POLICY}`]: { action: 'put-session-deny', resourceId: POLICY, at: 'x' },
    } }) });
    user([[KEY, 'Active']], []);

    const out = await release();

    expect(out).toMatchObject({ outcome: 'NO_ACTION', keptKeys: [{ accessKeyId: KEY, reason: 'already Active again' }, { accessKeyId: KEY2, reason: 'deleted since the containment' }] });
    expect(out.release?.reactivateKeys).toEqual([]);
  });

  it('no case: ResourceNotFoundError', async () => {
    await expect(release()).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, ConsistentRead: true });
  });
});
