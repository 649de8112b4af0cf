import { caseIdOf, containmentOf, principalAllowed, type ContainmentSettings } from '../../../tasks/triage/lib/containment';

const ACCOUNT = '123456789012';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const CASE = `case-${EVENT_ID}`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const OPS = `arn:aws:iam::${ACCOUNT}:role/ops-admin`;
const settings: ContainmentSettings = {
  allowedPrincipals: [`arn:aws:iam::${ACCOUNT}:role/deploy`], decision: 'approval', ownRoleArns: [`arn:aws:iam::${ACCOUNT}:role/remediation-start`], ownRolePrefix: 'Ec2RemediationStack-', account: ACCOUNT,
};

describe('principalAllowed', () => {
  it('allows everyone when the list is empty, else only ARNs with a listed prefix', () => {
    expect(principalAllowed([], ALICE)).toBe(true);
    expect(principalAllowed([`arn:aws:iam::${ACCOUNT}:user/al`], ALICE)).toBe(true);
    expect(principalAllowed([`arn:aws:iam::${ACCOUNT}:role/`], ALICE)).toBe(false);
  });
});

describe('containmentOf', () => {
  it('names the case after the event', () => {
    expect(caseIdOf(EVENT_ID)).toBe(CASE);
  });

  it('contains an IAM user not on the allow-list under the policy\'s decision, with the key used', () => {
    expect(containmentOf({ arn: ALICE, type: 'IAMUser' }, 'AKIAEXAMPLEKEY000001', EVENT_ID, settings)).toEqual({
      workflow: 'contain-principal', decision: 'approval', target: ALICE, caseId: CASE,
      reason: `started by ${ALICE}, who is not on the allow-list`,
      caller: { principal: { arn: ALICE, type: 'IAMUser' }, accessKeyId: 'AKIAEXAMPLEKEY000001' },
    });
  });

  it('contains an assumed role (its issuer ARN) under auto, without a key when the event has none', () => {
    expect(containmentOf({ arn: OPS, type: 'AssumedRole' }, undefined, EVENT_ID, { ...settings, decision: 'auto' })).toEqual({
      workflow: 'contain-principal', decision: 'auto', target: OPS, caseId: CASE, reason: `started by ${OPS}, who is not on the allow-list`,
      caller: { principal: { arn: OPS, type: 'AssumedRole' } },
    });
  });

  it('hands root to contain-principal, which only notifies', () => {
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    expect(containmentOf({ arn: root, type: 'Root' }, 'ASIAEXAMPLEKEY000003', EVENT_ID, settings)).toMatchObject({ decision: 'approval', target: root });
  });

  it('finds nothing for an allowed principal', () => {
    expect(containmentOf({ arn: `arn:aws:iam::${ACCOUNT}:role/deploy-prod`, type: 'AssumedRole' }, undefined, EVENT_ID, settings)).toBeUndefined();
  });

  it.each([
    ['the stack\'s own role, by ARN', `arn:aws:iam::${ACCOUNT}:role/remediation-start`, 'AssumedRole', "is one of this stack's own roles"],
    ['the stack\'s own role, by name prefix', `arn:aws:iam::${ACCOUNT}:role/Ec2RemediationStack-TriageStartChildRole-ABC`, 'AssumedRole', "is one of this stack's own roles"],
    ['a service-linked role', `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, 'AssumedRole', 'restrict it with an SCP'],
    ['an Identity Center role', `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef`, 'AssumedRole', 'IAM Identity Center'],
    ['an AWS service', 'ssm.amazonaws.com', 'AWSService', 'is not an IAM or STS ARN'],
    ['another account through a resource policy', 'arn:aws:iam::210987654321:root', 'AWSAccount', 'contain it from its own account'],
    ['another account\'s user', 'arn:aws:iam::210987654321:user/bob', 'IAMUser', 'contain it from its own account'],
  ])('reports, never starts, %s, saying why', (_what, arn, type, why) => {
    const found = containmentOf({ arn, type }, undefined, EVENT_ID, settings);
    expect(found).toMatchObject({ workflow: 'contain-principal', decision: 'report', target: arn, caseId: CASE });
    expect(found?.reason).toContain(`started by ${arn}, who is not on the allow-list; not contained: `);
    expect(found?.reason).toContain(why);
  });
});
