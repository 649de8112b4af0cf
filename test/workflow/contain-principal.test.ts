import { DEFAULT_LOCAL_APPROVER } from '../../local/approvals';
import { signIdentityProof } from '../../tasks/lib/identity/sign';
import { locked, lockedFailure, mutatingCalls, planned, statesEntered, withLockCalls } from './harness';
import { startContainHarness, type ContainHarness } from './contain-principal-harness';

// moto enforces no IAM policy and accepts calls with an Inactive key: these tests show the account's state (key statuses,
// policy documents, the case record), not that a stolen key or session is refused. Enforcement cannot be shown locally.
let h: ContainHarness;
beforeAll(async () => {
  h = await startContainHarness();
});
afterAll(async () => h?.moto.stop());

const A = '123456789012';
const S = 'PlanContainment';
const CONTAIN = [S, 'InitWork', 'RouteByPlan', 'RouteByAction', 'SaveCase', 'ApplyContainment', 'VerifyContainment', 'BuildReport'];
const RELEASE = [S, 'InitWork', 'RouteByPlan', 'RouteByAction', 'ReleaseKeys', 'VerifyRelease', 'BuildReport'];
const denyBefore = (at: string) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'RevokeOlderSessions', Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': at } } }],
});
const proofOf = async (executionArn: string) => {
  const { localIdentity } = await import('../../local/identities');
  return signIdentityProof('approve', executionArn, { credentials: (await localIdentity(DEFAULT_LOCAL_APPROVER)).credentials });
};
type Report = {
  outcome: string; caseId: string; target: string; keptKeys: { accessKeyId: string; reason: string }[];
  planned?: unknown; sessionDeny?: { policyName: string; removeAt: string; reason: string; removal?: { status: string } };
  releaseWith?: unknown; actions: { action: string; resourceId: string }[];
};

describe('contain-principal against an emulated account', () => {
  it('contains an IAM user (its active keys Inactive, older sessions denied), a re-run changes nothing, release puts back exactly what it changed', async () => {
    // Prepare: the key used, and one that was Inactive before (IAM allows two keys per user)
    const [used, wasInactive] = await h.user('alice', ['Active', 'Inactive']) as [string, string];
    const input = { principalArn: `arn:aws:iam::${A}:user/alice`, principalType: 'IAMUser', accessKeyId: used, deactivateAllKeys: true, caseId: 'case-alice' };

    // Act
    const contained = await h.run(input);

    // Assess
    expect(contained.status).toBe('SUCCEEDED');
    expect(statesEntered(contained)).toEqual([...locked(...CONTAIN).slice(0, -1), 'RouteBySessionDeny', 'Done']);
    expect(mutatingCalls(contained)).toEqual(withLockCalls('account', 'dynamodb:PutItem', 'iam:PutUserPolicy', 'dynamodb:UpdateItem',
      'iam:UpdateAccessKey', 'dynamodb:UpdateItem'));
    const report = contained.output as Report;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', caseId: 'case-alice', releaseWith: { release: { caseId: 'case-alice' } } });
    const after = await h.userState('alice');
    expect(after.keys).toEqual({ [used]: 'Inactive', [wasInactive]: 'Inactive' });
    expect(report.keptKeys).toEqual([{ accessKeyId: wasInactive, reason: 'already Inactive' }]);
    const saved = await h.caseItem('case-alice');
    const prior = JSON.parse((saved?.prior as { S: string }).S) as unknown;
    expect(prior).toEqual({ accessKeys: [{ accessKeyId: used, status: 'Active' }, { accessKeyId: wasInactive, status: 'Inactive' }], inlinePolicies: [] });
    const revokedBefore = (JSON.parse((saved?.sessionPolicy as { S: string }).S) as { revokedBefore: string }).revokedBefore;
    expect(after.policies).toEqual({ 'remediation-contain-case-alice': denyBefore(revokedBefore) });
    expect(Object.keys((saved?.changes as { M: object }).M).sort()).toEqual([`deactivate-access-key:${used}`, 'put-session-deny:remediation-contain-case-alice']);

    // Act: the same request again
    const again = await h.run({ ...input, caseId: 'case-alice-again' });

    // Assess: nothing left to change, and no case opened
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', sessionDenyInForce: 'remediation-contain-case-alice', actions: [] });
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
    expect(await h.caseItem('case-alice-again')).toBeUndefined();

    // Act: release (locally the Wait for the sessions to expire passes at once)
    const released = await h.run({ release: { caseId: 'case-alice' } });

    // Assess: the key it deactivated is Active, the one Inactive before stays so; the deny removed after the wait
    expect(released.status).toBe('SUCCEEDED');
    expect(statesEntered(released)).toEqual([...locked(...RELEASE).slice(0, -1), 'RouteBySessionDeny', 'WaitForSessionsToExpire', 'RemoveSessionDeny', 'Done']);
    const final = await h.userState('alice');
    expect(final).toEqual({ keys: { [used]: 'Active', [wasInactive]: 'Inactive' }, policies: {} });
    const out = released.output as Report;
    expect(out.sessionDeny).toMatchObject({
      policyName: 'remediation-contain-case-alice', removeAt: new Date(Date.parse(revokedBefore) + 36 * 3600_000).toISOString(), removal: { status: 'removed' },
    });
    expect(out.sessionDeny?.reason).toMatch(/^kept until .*36 h/);
    expect(out.actions.map((a) => [a.action, a.resourceId])).toEqual([['reactivate-access-key', `arn:aws:iam::${A}:user/alice#${used}`]]);
    expect((await h.caseItem('case-alice'))?.releasedAt).toBeDefined();
  });

  it('contains an assumed role by its session ARN: the revoke-older-sessions policy on the role (found with its path)', async () => {
    // Prepare
    await h.role('app-role', { path: '/apps/', maxSessionSeconds: 7200 });

    // Act
    const run = await h.run({ principalArn: `arn:aws:sts::${A}:assumed-role/app-role/i-0123456789abcdef0`, principalType: 'AssumedRole', accessKeyId: 'ASIAIOSFODNN7EXAMPLE', caseId: 'case-role' });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(mutatingCalls(run)).toEqual(withLockCalls('account', 'dynamodb:PutItem', 'iam:PutRolePolicy', 'dynamodb:UpdateItem'));
    const report = run.output as Report;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', target: `arn:aws:iam::${A}:role/apps/app-role` });
    expect(report.keptKeys).toEqual([{ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', reason: "a role session's temporary key: the session deny revokes it" }]);
    const saved = await h.caseItem('case-role');
    expect(saved?.maxSessionSeconds).toEqual({ N: '7200' });
    const revokedBefore = (JSON.parse((saved?.sessionPolicy as { S: string }).S) as { revokedBefore: string }).revokedBefore;
    expect(await h.rolePolicies('app-role')).toEqual({ 'remediation-contain-case-role': denyBefore(revokedBefore) });
  });

  it('refuses an IAM Identity Center role before any change, naming Identity Center session revocation', async () => {
    // Prepare
    await h.role('AWSReservedSSO_Admin_0123456789abcdef', { path: '/aws-reserved/sso.amazonaws.com/' });

    // Act
    const run = await h.run({ principalArn: `arn:aws:sts::${A}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/bob`, principalType: 'AssumedRole', caseId: 'case-sso' });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('PreconditionFailedError');
    expect(run.cause).toMatch(/revoke the user's active sessions in IAM Identity Center/);
    expect(statesEntered(run)).toEqual(lockedFailure(S));
    expect(mutatingCalls(run)).toEqual(withLockCalls('account'));
    expect(await h.rolePolicies('AWSReservedSSO_Admin_0123456789abcdef')).toEqual({});
    expect(await h.caseItem('case-sso')).toBeUndefined();
  });

  it("root use is reported on the audit trail's notifications topic, wired after every machine is built (no execution: notify-root's publish is unit-tested)", () => {
    expect(process.env.CONTAIN_NOTIFICATION_TOPIC_ARN).toMatch(/^arn:aws:sns:us-east-1:123456789012:AuditNotifications[0-9A-F]{8}$/);
  });

  it('a containment that stops part-way keeps what it did, records it in the case, and fails saying how to release it', async () => {
    // Prepare
    const [key] = await h.user('erin', ['Active']) as [string];

    // Act: IAM refuses the key update after the deny is on
    const run = await h.run({ principalArn: `arn:aws:iam::${A}:user/erin`, principalType: 'IAMUser', accessKeyId: key, caseId: 'case-erin' },
      { faults: { failCall: { command: 'UpdateAccessKey', nth: 1, errorName: 'LimitExceeded', message: 'LimitExceeded (injected)' } } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('LimitExceeded');
    expect(run.cause).toBe('containment stopped part-way (LimitExceeded (injected)); what was changed is kept and recorded in case case-erin: undo it with input release.caseId = case-erin');
    expect(statesEntered(run)).toEqual(lockedFailure(S, 'InitWork', 'RouteByPlan', 'RouteByAction', 'SaveCase', 'ApplyContainment', 'DescribePartialContainment', 'ContainmentIncomplete'));
    const state = await h.userState('erin');
    expect(state.keys).toEqual({ [key]: 'Active' });
    expect(Object.keys(state.policies)).toEqual(['remediation-contain-case-erin']);
    expect(Object.keys(((await h.caseItem('case-erin'))?.changes as { M: object }).M)).toEqual(['put-session-deny:remediation-contain-case-erin']);
  });

  // An approved release continues at its own route (RouteByAction), never at the containment's.
  it('contain and release, each asked with approval: true, do what was approved and nothing before the answer', async () => {
    // Prepare
    const [key] = await h.user('dave', ['Active']) as [string];
    const approver = async (request: { executionArn: string }) => ({ taskSuccess: { approved: true, identityProof: await proofOf(request.executionArn) } });
  
    // Act
    const contained = await h.run({ principalArn: 'arn:aws:iam::123456789012:user/dave', principalType: 'IAMUser', accessKeyId: key, caseId: 'case-dave', approval: true }, { approver });
    const released = await h.run({ release: { caseId: 'case-dave' }, approval: true }, { approver });
  
    // Assess
    expect([contained.status, released.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(contained.output).toMatchObject({ outcome: 'REMEDIATED', approval: { approved: true } });
    expect(mutatingCalls(contained)).toEqual(withLockCalls('account', 'sns:Publish', 'dynamodb:PutItem', 'iam:PutUserPolicy', 'dynamodb:UpdateItem', 'iam:UpdateAccessKey', 'dynamodb:UpdateItem'));
    expect(released.output).toMatchObject({ outcome: 'REMEDIATED', approval: { approved: true }, sessionDeny: { removal: { status: 'removed' } } });
    expect(await h.userState('dave')).toEqual({ keys: { [key]: 'Active' }, policies: {} });
  });

  it('plan mode lists exactly what apply would change and changes nothing', async () => {
    // Prepare
    const [used, other] = await h.user('carol', ['Active', 'Active']) as [string, string];

    // Act
    const run = await h.run({ principalArn: `arn:aws:iam::${A}:user/carol`, principalType: 'IAMUser', accessKeyId: used, caseId: 'case-carol', mode: 'plan' });

    // Assess
    expect(statesEntered(run)).toEqual([...planned(S, 'InitWork', 'RouteByPlan', 'BuildReport').slice(0, -1), 'RouteBySessionDeny', 'Done']);
    expect(mutatingCalls(run)).toEqual([]);
    expect(run.output).toMatchObject({ outcome: 'PLANNED', planned: { deactivateKeys: [used], sessionPolicy: 'remediation-contain-case-carol' }, actions: [] });
    expect(await h.userState('carol')).toEqual({ keys: { [used]: 'Active', [other]: 'Active' }, policies: {} });
    expect(await h.caseItem('case-carol')).toBeUndefined();
  });
});
