import { containPrincipalSpec } from '../../infra/workflows/contain-principal';
import { allow, remainingFindings } from './nag-cases';
import { ENV } from './synth';

const findings = (statements: ReturnType<typeof allow>[]) => remainingFindings(() => statements, { env: ENV, extra: containPrincipalSpec.acceptedFindings ?? [] });
const USERS = `arn:aws:iam::${ENV.account}:user/*`;
const ROLES = `arn:aws:iam::${ENV.account}:role/*`;

// No finding is left unacknowledged: test/infra/nag.test.ts runs cdk-nag once, on the whole RemediationStack.

describe('accepted wildcard: iam user/* and role/* of this account', () => {
  it('acknowledges reads, the key status and the inline-policy calls', () => {
    expect(findings([
      allow(['iam:GetUser', 'iam:ListAccessKeys', 'iam:GetRolePolicy'], [USERS, ROLES]),
      allow(['iam:UpdateAccessKey', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy'], [USERS]),
      allow(['iam:PutRolePolicy', 'iam:DeleteRolePolicy'], [ROLES]),
    ])).toEqual([]);
  });

  it.each([['iam:DeleteAccessKey', USERS], ['iam:AttachRolePolicy', ROLES], ['iam:UpdateAssumeRolePolicy', ROLES], ['iam:CreateAccessKey', USERS]])(
    'leaves %s reported', (action, resource) => {
      expect(findings([allow([action], [resource])])).toEqual([`AwsSolutions-IAM5[Resource::${resource}]`]);
    },
  );
});
