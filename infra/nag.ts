import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One statement of a resolved IAM policy document. */
export interface ResolvedStatement {
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface AcceptedWildcard {
  pattern: RegExp;
  reason: string;
  /** When set, every statement of the violating policy must pass it, or the finding stands. */
  statement?: (s: ResolvedStatement) => boolean;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const actionsOf = (s: ResolvedStatement): string[] => list(s.Action);
const onAnyResource = (s: ResolvedStatement): boolean => list(s.Resource).includes('*');
/** A resource `<Resource.Arn><suffix>`, as `{"Fn::Join": ["", [{"Fn::GetAtt": [id, "Arn"]}, suffix]]}`. */
const onArnWith = (suffix: string) => (s: ResolvedStatement): boolean => list(s.Resource).some((r) => {
  const parts = (r as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1];
  return parts?.length === 2 && (parts[0] as { 'Fn::GetAtt'?: unknown[] })?.['Fn::GetAtt']?.[1] === 'Arn' && parts[1] === suffix;
});
const hasCondition = (s: ResolvedStatement, key: string): boolean =>
  Object.values(s.Condition ?? {}).some((byKey) => key in byKey);

/**
 * Actions that support no resource-level permissions, so Resource '*' is the only choice: EC2 Describe* and
 * GetEbsDefaultKmsKeyId, X-Ray, and the log-delivery calls Step Functions makes for its vended log group.
 */
const NO_RESOURCE_LEVEL = new RegExp('^(' + [
  'ec2:Describe[A-Za-z]+', 'ec2:GetEbsDefaultKmsKeyId',
  'xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)',
  'logs:((Create|Get|Update|Delete)LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)',
].join('|') + ')$');
const REGION = '([a-z]{2}(-[a-z]+)+-\\d|<AWS::Region>)';

/**
 * The wildcard IAM findings we accept, each with its reason. cdk-nag reports
 * each wildcard separately; only findings matching one of these are
 * acknowledged (on the resource that has them), so any new wildcard fails the
 * build until someone writes down why it is acceptable.
 */
export const ACCEPTED_WILDCARDS: AcceptedWildcard[] = [
  {
    pattern: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'EC2 Describe*, GetEbsDefaultKmsKeyId, X-Ray and Step Functions log delivery support no resource-level ' +
      'permissions; ec2:DeleteSnapshot is limited by the remediation:workflow resource tag condition instead.',
    // Resource '*' only for those actions: any other action on '*' is a new finding.
    statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => NO_RESOURCE_LEVEL.test(a) ||
      (a === 'ec2:DeleteSnapshot' && hasCondition(s, 'aws:ResourceTag/remediation:workflow'))),
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:log-stream:\*\]$/,
    reason: 'Lambda names its log streams at run time; the grant is limited to the function\'s own log group.',
    statement: (s) => !onArnWith(':log-stream:*')(s) || actionsOf(s).every((a) => a === 'logs:CreateLogStream' || a === 'logs:PutLogEvents'),
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    reason: 'Step Functions may invoke versions and aliases of our own task functions only.',
    statement: (s) => !onArnWith(':*')(s) || actionsOf(s).every((a) => a === 'lambda:InvokeFunction'),
  },
  {
    pattern: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12})?:(instance|volume|snapshot)/\\*\\]$`),
    reason: 'Instance, volume and snapshot ids are input or created at run time; grants are limited to this account and ' +
      'region by ARN and, where EC2 supports it, by ec2:CreateAction or remediation:workflow tag conditions.',
  },
  {
    pattern: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):kms:${REGION}:(<AWS::AccountId>|\\d{12}):(key|alias)/\\*\\]$`),
    reason: 'The KMS key is chosen per execution (input or the account EBS default); use is limited by kms:ViaService to ' +
      'EC2/EBS in this region, and DescribeKey is read-only.',
    // Any KMS use other than DescribeKey goes through EC2/EBS only.
    statement: (s) => actionsOf(s).every((a) => !a.startsWith('kms:') || a === 'kms:DescribeKey') || hasCondition(s, 'kms:ViaService'),
  },
  {
    pattern: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12}):(vpc|vpc-flow-log)/\\*\\]$`),
    reason: 'enable-flow-logs: VPC ids are input and flow log ids are created at run time; grants are limited to this ' +
      'account and region, tagging to ec2:CreateAction=CreateFlowLogs and deletion to the remediation:workflow tag.',
    // On those ARNs only creating flow logs, tagging them on create, and deleting our own.
    // A resource built with Fn::Join (pseudo parameters) is checked by its JSON text.
    statement: (s) => !list(s.Resource).some((r) => /:(vpc|vpc-flow-log)\/\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
      actionsOf(s).every((a) => a === 'ec2:CreateFlowLogs' || (a === 'ec2:CreateTags' && hasCondition(s, 'ec2:CreateAction')) ||
        (a === 'ec2:DeleteFlowLogs' && hasCondition(s, 'aws:ResourceTag/remediation:workflow'))),
  },
  {
    pattern: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):cloudtrail:(${REGION}|\\*):(<AWS::AccountId>|\\d{12}):trail/\\*\\]$`),
    reason: 'enable-cloudtrail reuses an existing compliant trail rather than creating a second one, so its name is known only ' +
      'at run time: changes (start logging, merge event selectors) are limited to trails of this account and region; any ' +
      'region only to read the status and selectors of a multi-region trail homed elsewhere. Creating, updating and tagging ' +
      'are granted on the stack\'s own trail ARN only.',
    statement: (s) => {
      const texts = list(s.Resource).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
      if (!texts.some((t) => /:trail\/\*("|$)/.test(t))) return true;
      const read = (a: string) => ['cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'].includes(a);
      const anyRegion = texts.some((t) => /:cloudtrail:\*:/.test(t));
      return actionsOf(s).every((a) => read(a) || (!anyRegion && (a === 'cloudtrail:StartLogging' || a === 'cloudtrail:PutEventSelectors')));
    },
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):s3:::\*\]$/,
    reason: 'enable-cloudtrail: data-event buckets are named in the input; on them only s3:GetBucketLocation (read-only: ' +
      'which region a bucket is in) is granted, to refuse buckets of another region before any change.',
    statement: (s) => !list(s.Resource).some((r) => /:s3:::\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
      actionsOf(s).every((a) => a === 's3:GetBucketLocation'),
  },
];

/** The statements of an IAM policy resource, resolved; [] for anything else. */
function statementsOf(construct: IConstruct): ResolvedStatement[] {
  const documents = construct instanceof iam.CfnPolicy || construct instanceof iam.CfnManagedPolicy ? [construct.policyDocument]
    : construct instanceof iam.CfnRole ? list(Stack.of(construct).resolve(construct.policies)).map((p: { PolicyDocument?: unknown }) => p.PolicyDocument)
      : [];
  return documents.flatMap((d) => list((Stack.of(construct).resolve(d) as { Statement?: ResolvedStatement[] } | undefined)?.Statement));
}

/** Runs AwsSolutions on `scope` and acknowledges the accepted wildcard findings where they occur. */
export function acknowledgeAcceptedWildcards(scope: IConstruct): void {
  const report = new AwsSolutionsChecks().validateScope(scope);
  const byPath = new Map<string, IConstruct>(scope.node.findAll().map((c) => [c.node.path, c]));
  for (const violation of report.violations) {
    const accepted = ACCEPTED_WILDCARDS.find((a) => a.pattern.test(violation.ruleName));
    if (!accepted) continue;
    for (const resource of violation.violatingResources) {
      const construct = byPath.get(resource.constructPath ?? '');
      if (!construct) continue;
      // A predicate that cannot see the policy (an unknown resource type) does not acknowledge.
      const statements = accepted.statement ? statementsOf(construct) : [];
      if (accepted.statement && (statements.length === 0 || !statements.every(accepted.statement))) continue;
      Validations.of(construct).acknowledge({ id: violation.ruleName, reason: accepted.reason });
    }
  }
}
