import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The wildcard IAM findings we accept, each with its reason. cdk-nag reports
 * each wildcard separately; only findings matching one of these are
 * acknowledged (on the resource that has them), so any new wildcard fails the
 * build until someone writes down why it is acceptable.
 */
export const ACCEPTED_WILDCARDS: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'EC2 Describe*, GetEbsDefaultKmsKeyId and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level ' +
      'permissions; ec2:DeleteSnapshot is limited by the remediation:workflow resource tag condition instead.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:log-stream:\*\]$/,
    reason: 'Lambda names its log streams at run time; the grant is limited to the function\'s own log group.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    reason: 'Step Functions may invoke versions and aliases of our own task functions only.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):ec2:[^:]+:(<AWS::AccountId>|\d{12})?:(instance|volume|snapshot)\/\*\]$/,
    reason: 'Instance, volume and snapshot ids are input or created at run time; grants are limited to this account and ' +
      'region by ARN and, where EC2 supports it, by ec2:CreateAction or remediation:workflow tag conditions.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):kms:[^:]+:(<AWS::AccountId>|\d{12}):(key|alias)\/\*\]$/,
    reason: 'The KMS key is chosen per execution (input or the account EBS default); use is limited by kms:ViaService to ' +
      'EC2/EBS in this region, and DescribeKey is read-only.',
  },
];

/** Runs AwsSolutions on `scope` and acknowledges the accepted wildcard findings where they occur. */
export function acknowledgeAcceptedWildcards(scope: IConstruct): void {
  const report = new AwsSolutionsChecks().validateScope(scope);
  const byPath = new Map<string, IConstruct>(scope.node.findAll().map((c) => [c.node.path, c]));
  for (const violation of report.violations) {
    const accepted = ACCEPTED_WILDCARDS.find((a) => a.pattern.test(violation.ruleName));
    if (!accepted) continue;
    for (const resource of violation.violatingResources) {
      const construct = byPath.get(resource.constructPath ?? '');
      if (construct) Validations.of(construct).acknowledge({ id: violation.ruleName, reason: accepted.reason });
    }
  }
}
