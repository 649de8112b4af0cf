import { isolateInstanceSpec } from '../../infra/workflows/isolate-instance';
import { allow, remainingFindings } from './nag-cases';
import { ENV } from './synth';

const findings = (statements: ReturnType<typeof allow>[]) => remainingFindings(() => statements, { env: ENV, extra: isolateInstanceSpec.acceptedFindings ?? [] });
const INSTANCES = `arn:aws:ec2:${ENV.region}:${ENV.account}:instance/*`;

// No finding is left unacknowledged: test/infra/nag.test.ts runs cdk-nag once, on the whole RemediationStack.
describe('accepted wildcards: what isolate-instance acts on, known only at run time', () => {
  it('acknowledges the Auto Scaling / ELBv2 describes on * beside X-Ray, and the membership changes', () => {
    expect(findings([
      allow(['ec2:DescribeInstances', 'autoscaling:DescribeAutoScalingInstances', 'elasticloadbalancing:DescribeTargetGroups', 'xray:PutTraceSegments'], ['*']),
      allow(['autoscaling:EnterStandby', 'elasticloadbalancing:DeregisterTargets'], [`arn:aws:autoscaling:${ENV.region}:${ENV.account}:autoScalingGroup:*`]),
      allow(['ec2:ModifyInstanceAttribute'], [INSTANCES]),
    ])).toEqual([]);
  });

  it.each([['autoscaling:DeleteAutoScalingGroup'], ['elasticloadbalancing:DeleteTargetGroup'], ['s3:GetObject']])('leaves %s on * reported', (action) => {
    expect(findings([allow([action], ['*'])])).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});
