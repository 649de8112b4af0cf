import { REFRESH_AMI_ACCEPTED_FINDINGS } from '../../infra/workflows/refresh-ami';
import { allow, remainingFindings } from './nag-cases';

// GIVEN one role with these statements and refresh-ami's accepted findings, WHEN cdk-nag checks it, THEN only what the
// reason covers is acknowledged.
const extra = { extra: REFRESH_AMI_ACCEPTED_FINDINGS };
const IMAGES = 'arn:aws:ec2:us-east-1::image/*';
const AMI_PARAMETERS = ['arn:aws:ssm:us-east-1::parameter/aws/service/ami-*', 'arn:aws:ssm:us-east-1:123456789012:parameter/aws/service/ami-*'];
const ours = (key: string) => ({ StringEquals: { [key]: 'refresh-ami' } });

describe('refresh-ami accepted findings', () => {
  describe('ec2 image/* (image ids are created at run time)', () => {
    it('acknowledges CreateImage into our tagged images, tagging within CreateImage, and deregistering our images', () => {
      expect(remainingFindings(() => [
        allow(['ec2:CreateImage'], [IMAGES], ours('aws:RequestTag/remediation:workflow')),
        allow(['ec2:CreateTags'], [IMAGES], { StringEquals: { 'ec2:CreateAction': 'CreateImage' } }),
        allow(['ec2:DeregisterImage'], [IMAGES], ours('aws:ResourceTag/remediation:workflow')),
      ], extra)).toEqual([]);
    });

    it('leaves them reported without their conditions, for other actions, or in any region', () => {
      expect(remainingFindings(() => [allow(['ec2:DeregisterImage'], [IMAGES])], extra)).toEqual([`AwsSolutions-IAM5[Resource::${IMAGES}]`]);
      expect(remainingFindings(() => [allow(['ec2:ModifyImageAttribute'], [IMAGES], ours('aws:ResourceTag/remediation:workflow'))], extra))
        .toEqual([`AwsSolutions-IAM5[Resource::${IMAGES}]`]);
      expect(remainingFindings(() => [allow(['ec2:CreateImage'], ['arn:aws:ec2:*::image/*'], ours('aws:RequestTag/remediation:workflow'))], extra))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:ec2:*::image/*]']);
    });
  });

  describe('ssm parameter/aws/service/ami-* (the public latest-AMI parameters)', () => {
    it('acknowledges reading them, in both ARN forms', () => {
      expect(remainingFindings(() => [allow(['ssm:GetParameter'], AMI_PARAMETERS)], extra)).toEqual([]);
    });

    it('leaves writing them, or any other parameter path, reported', () => {
      expect(remainingFindings(() => [allow(['ssm:PutParameter'], AMI_PARAMETERS)], extra)).toEqual(AMI_PARAMETERS.map((r) => `AwsSolutions-IAM5[Resource::${r}]`).sort());
      expect(remainingFindings(() => [allow(['ssm:GetParameter'], ['arn:aws:ssm:us-east-1:123456789012:parameter/*'])], extra))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:ssm:us-east-1:123456789012:parameter/*]']);
    });
  });
});
