import { rotateKeyPairSpec } from '../../infra/workflows/rotate-key-pair';
import { allow, remainingFindings } from './nag-cases';
import { ENV } from './synth';

// No finding is left unacknowledged: test/infra/nag.test.ts runs cdk-nag once, on the whole RemediationStack.
const findings = (statements: ReturnType<typeof allow>[]) => remainingFindings(() => statements, { env: ENV, extra: rotateKeyPairSpec.acceptedFindings ?? [] });
const KEY_PAIRS = `arn:aws:ec2:${ENV.region}:${ENV.account}:key-pair/*`;
const INSTANCES = `arn:aws:ec2:${ENV.region}:${ENV.account}:instance/*`;
const PARAMETERS = `arn:aws:ssm:${ENV.region}:${ENV.account}:parameter/remediation/key-pairs/*`;

describe('accepted wildcards: key pairs, the key-pair parameters, SSM reads (SendCommand on instance/* is the kit\'s)', () => {
  it('acknowledges the import, tagging and deletion of key pairs, SendCommand, the parameter calls and the SSM reads', () => {
    expect(findings([
      allow(['ec2:ImportKeyPair', 'ec2:CreateTags'], [KEY_PAIRS]), allow(['ec2:DeleteKeyPair'], [KEY_PAIRS]),
      allow(['ssm:SendCommand'], [INSTANCES]), allow(['ssm:PutParameter', 'ssm:DeleteParameter'], [PARAMETERS]),
      allow(['ssm:DescribeInstanceInformation', 'ec2:DescribeInstances', 'ec2:DescribeKeyPairs'], ['*']), allow(['ssm:GetCommandInvocation'], ['*']),
    ])).toEqual([]);
  });

  it.each([
    ['ec2:CreateKeyPair', KEY_PAIRS], ['ec2:ModifyInstanceAttribute', KEY_PAIRS], ['ssm:GetParametersByPath', PARAMETERS], ['ssm:GetParameter', '*'], ['ssm:SendCommand', '*'],
  ])('leaves %s on %s reported', (action, resource) => {
    expect(findings([allow([action], [resource])])).toEqual([`AwsSolutions-IAM5[Resource::${resource}]`]);
  });
});
