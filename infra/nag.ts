import { Aspects, CfnResource, Names, Stack, Validations, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
// cdk-nag's own flattening of a resource reference, so a finding id here is spelled exactly as the rule spells it.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/** One statement of a resolved IAM policy document. */
export interface ResolvedStatement {
  Effect?: string;
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * A cdk-nag finding we accept, with its reason: the one way this project acknowledges a finding.
 * - IAM5 wildcard findings: `rule` matches the finding id; every statement carrying the wildcard must
 *   pass `statement` (when given), or the finding stands.
 * - Any other rule: `rule` is the exact id, acknowledged on the resources `resource` selects.
 */
export type AcceptedFinding =
  | { rule: RegExp; reason: string; statement?: (s: ResolvedStatement) => boolean }
  | { rule: string; reason: string; resource: (node: CfnResource) => boolean };

/** A construct whose subtree accepts findings of its own (a workflow, from its spec). */
export interface AcceptsFindings {
  readonly acceptedFindings: readonly AcceptedFinding[];
}
export const acceptsFindings = (c: IConstruct): c is IConstruct & AcceptsFindings => Array.isArray((c as Partial<AcceptsFindings>).acceptedFindings);

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const actionsOf = (s: ResolvedStatement): string[] => list(s.Action);
export const onAnyResource = (s: ResolvedStatement): boolean => list(s.Resource).includes('*');
/** A resource `<Resource.Arn><suffix>`, as `{"Fn::Join": ["", [{"Fn::GetAtt": [id, "Arn"]}, suffix]]}`. */
const onArnWith = (suffix: string) => (s: ResolvedStatement): boolean => list(s.Resource).some((r) => {
  const parts = (r as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1];
  return parts?.length === 2 && (parts[0] as { 'Fn::GetAtt'?: unknown[] })?.['Fn::GetAtt']?.[1] === 'Arn' && parts[1] === suffix;
});
export const hasCondition = (s: ResolvedStatement, key: string): boolean =>
  Object.values(s.Condition ?? {}).some((byKey) => key in byKey);

/**
 * Actions that support no resource-level permissions, so Resource '*' is the only choice: EC2 Describe* and
 * GetEbsDefaultKmsKeyId, X-Ray, and the log-delivery calls Step Functions makes for its vended log group.
 */
export const NO_RESOURCE_LEVEL = new RegExp('^(' + [
  'ec2:Describe[A-Za-z]+', 'ec2:GetEbsDefaultKmsKeyId', 'ec2:GetEbsEncryptionByDefault',
  'xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)',
  'logs:((Create|Get|Update|Delete)LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)',
].join('|') + ')$');
export const REGION = '([a-z]{2}(-[a-z]+)+-\\d|<AWS::Region>)';

/**
 * The findings every workflow's resources may carry (the kit's task functions and state machines),
 * each with its reason. A workflow's spec adds its own; anything else fails the build until someone
 * writes down why it is acceptable.
 */
export const KIT_ACCEPTED_FINDINGS: AcceptedFinding[] = [
  {
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'EC2 Describe*, GetEbsDefaultKmsKeyId, X-Ray and Step Functions log delivery support no resource-level ' +
      'permissions; ec2:DeleteSnapshot is limited by the remediation:workflow resource tag condition instead.',
    // Resource '*' only for those actions: any other action on '*' is a new finding.
    statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => NO_RESOURCE_LEVEL.test(a) ||
      (a === 'ec2:DeleteSnapshot' && hasCondition(s, 'aws:ResourceTag/remediation:workflow'))),
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:log-stream:\*\]$/,
    reason: 'Lambda names its log streams at run time; the grant is limited to the function\'s own log group.',
    statement: (s) => !onArnWith(':log-stream:*')(s) || actionsOf(s).every((a) => a === 'logs:CreateLogStream' || a === 'logs:PutLogEvents'),
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    reason: 'Step Functions may invoke versions and aliases of our own task functions only.',
    statement: (s) => !onArnWith(':*')(s) || actionsOf(s).every((a) => a === 'lambda:InvokeFunction'),
  },
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12})?:(instance|volume|snapshot|network-interface)/\\*\\]$`),
    reason: 'Instance, volume, snapshot and network interface ids are input or created at run time; grants are limited to this account and ' +
      'region by ARN and by conditions: mutations only on resources carrying the remediation:lock tag (an explicit Deny ' +
      'on remediation:exclude=true), creations only encrypted and tagged, tagging by ec2:CreateAction or named tag keys, ' +
      'deletion by the remediation:workflow tag (docs/iam-conditions.md).',
  },
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12}):security-group/\\*\\]$`),
    reason: 'Security group ids are input or read at run time; on them only the remediation:lock tag (named tag keys) is set or ' +
      'removed, and rules are changed only on groups carrying remediation:lock (an explicit Deny on remediation:exclude=true).',
    statement: (s) => !list(s.Resource).some((r) => /:security-group\/\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
      actionsOf(s).every((a) => ((a === 'ec2:CreateTags' || a === 'ec2:DeleteTags') && hasCondition(s, 'aws:TagKeys')) ||
        (/^ec2:(Authorize|Revoke)SecurityGroup(Ingress|Egress)$/.test(a) && hasCondition(s, 'aws:ResourceTag/remediation:lock'))),
  },
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):kms:${REGION}:(<AWS::AccountId>|\\d{12}):(key|alias)/\\*\\]$`),
    reason: 'The KMS key is chosen per execution (input or the account EBS default); use is limited by kms:ViaService to ' +
      'EC2/EBS in this region, and DescribeKey is read-only.',
    // Any KMS use other than DescribeKey goes through EC2/EBS only.
    statement: (s) => actionsOf(s).every((a) => !a.startsWith('kms:') || a === 'kms:DescribeKey') || hasCondition(s, 'kms:ViaService'),
  },
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):states:${REGION}:(<AWS::AccountId>|\\d{12}):execution:remediation-\\*:\\*\\]$`),
    reason: 'The lock asks whether its holder, an execution of any of our own state machines (remediation-*), is still running; ' +
      'execution names are known only at run time. Only states:DescribeExecution (read-only) is granted on them.',
    statement: (s) => actionsOf(s).every((a) => a === 'states:DescribeExecution'),
  },
  {
    rule: 'AwsSolutions-L1',
    reason: 'Pinned to nodejs22.x on purpose: bundles leave the SDK v3 external and use the runtime copy, so a runtime ' +
      'upgrade is a reviewed change, never an implicit one.',
    resource: (node) => node instanceof lambda.CfnFunction && Stack.of(node).resolve(node.runtime) === lambda.Runtime.NODEJS_22_X.name,
  },
];

/** The statements of an IAM policy resource, resolved; [] for anything else. */
export function statementsOf(node: IConstruct): ResolvedStatement[] {
  const stack = Stack.of(node);
  const documents = node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy ? [node.policyDocument]
    : node instanceof iam.CfnRole ? list(stack.resolve(node.policies)).map((p: { policyDocument?: unknown; PolicyDocument?: unknown }) => p.policyDocument ?? p.PolicyDocument)
      : [];
  return documents.flatMap((d) => list((stack.resolve(d) as { Statement?: ResolvedStatement[] } | undefined)?.Statement));
}

/** The IAM5 finding ids a statement carries, spelled as cdk-nag's IAMNoWildcardPermissions spells them. */
export function wildcardFindings(s: ResolvedStatement): string[] {
  if (s.Effect !== undefined && s.Effect !== 'Allow') return [];
  return [
    ...actionsOf(s).filter((a) => a.includes('*')).map((a) => `AwsSolutions-IAM5[Action::${a}]`),
    ...list(s.Resource).map(flattenCfnReference).filter((r) => r.includes('*')).map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
  ];
}

/**
 * The one place findings are acknowledged: visits every resource and acknowledges the findings that
 * an accepted entry (its own list, or one of an enclosing workflow's) covers, with that entry's reason.
 * It reads the resolved policies as cdk-nag does, so cdk-nag itself runs once: as the app's validation.
 */
export class AcknowledgeAcceptedFindings implements IAspect {
  constructor(private readonly accepted: readonly AcceptedFinding[]) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const accepted = [...this.accepted, ...node.node.scopes.filter(acceptsFindings).flatMap((c) => c.acceptedFindings)];
    for (const entry of accepted) {
      if (typeof entry.rule === 'string' && 'resource' in entry && entry.resource(node)) {
        Validations.of(node).acknowledge({ id: entry.rule, reason: entry.reason });
      }
    }
    const carriers = new Map<string, ResolvedStatement[]>();
    for (const statement of statementsOf(node)) {
      for (const finding of wildcardFindings(statement)) carriers.set(finding, [...(carriers.get(finding) ?? []), statement]);
    }
    for (const [finding, statements] of carriers) {
      const used = new Set<string>();
      const everyAccepted = statements.every((s) => accepted.some((entry) => {
        if (!(entry.rule instanceof RegExp) || !entry.rule.test(finding)) return false;
        const ok = !('statement' in entry) || !entry.statement || entry.statement(s);
        if (ok) used.add(entry.reason);
        return ok;
      }));
      if (!everyAccepted) continue;
      for (const id of new Set([finding, crossStackSpelling(node, finding)])) Validations.of(node).acknowledge({ id, reason: [...used].join(' ') });
    }
  }
}

/**
 * A finding as cdk-nag spells it once CDK has turned references to another stack's resources into parameters.
 * Aspects run before that, so `<Bucket123.Arn>` of a root bucket in a workflow's nested stack is reported as
 * `<referencetoRootBucket123Arn>` (aws-cdk-lib core/lib/private/refs.ts: `reference-to-` + the target's
 * nodeUniqueId + the attribute, as a logical id). Same finding, same acknowledgement.
 */
function crossStackSpelling(node: IConstruct, finding: string): string {
  const stack = Stack.of(node);
  return finding.replace(/<([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?>/g, (whole, logicalId: string, attribute: string | undefined) => {
    const target = resourcesByLogicalId(stack.node.root).get(logicalId)?.find((r) => Stack.of(r) !== stack);
    if (!target || resourcesByLogicalId(stack.node.root).get(logicalId)?.some((r) => Stack.of(r) === stack)) return whole;
    return `<${`referenceto${Names.nodeUniqueId(target.node)}${attribute ?? 'Ref'}`.replace(/[^A-Za-z0-9]/g, '')}>`;
  });
}

const byLogicalId = new WeakMap<IConstruct, Map<string, CfnResource[]>>();
function resourcesByLogicalId(root: IConstruct): Map<string, CfnResource[]> {
  let found = byLogicalId.get(root);
  if (!found) {
    found = new Map();
    for (const c of root.node.findAll()) {
      if (!CfnResource.isCfnResource(c)) continue;
      const id = Stack.of(c).resolve(c.logicalId) as string;
      found.set(id, [...(found.get(id) ?? []), c]);
    }
    byLogicalId.set(root, found);
  }
  return found;
}

/** Adds the aspect to `scope` (a stack, or a test's small stack) with the kit's accepted findings and `extra`. */
export function acknowledgeAcceptedFindings(scope: IConstruct, extra: readonly AcceptedFinding[] = []): void {
  Aspects.of(scope).add(new AcknowledgeAcceptedFindings([...KIT_ACCEPTED_FINDINGS, ...extra]));
}
