import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { rootSingleton } from '../kit/root';
import { stackOwnedTable } from '../kit/tables';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { SG_STORE_ENV, STORE_KEY } from '../../tasks/security-groups/lib/store';
import { EXCLUDED, LOCKED, ec2Arn } from '../kit/grants';
import type { Grant } from '../kit/spec';
import { REGION, actionsOf, hasCondition, list, type AcceptedFinding } from '../nag';

/**
 * The stack's security-group case table: the rules restrict-security-groups revoked, in full, one item per
 * (execution, group), which restore-security-groups reads. DynamoDB rather than an S3 object: a consistent
 * keyed read of one execution's groups, no bucket (and access-log bucket) to own, and items far under the
 * 400 KB limit (a group holds at most a few hundred rules). On demand, point-in-time recovery, encrypted,
 * and retained: it is the only before-state of a revoke.
 */
export class SecurityGroupCaseTable extends Construct {
  static readonly ID = 'SecurityGroupCases';
  readonly table: dynamodb.Table;

  /** Shared by restrict and restore, each in its own nested stack: created once, in the root stack. */
  static of(scope: Construct): SecurityGroupCaseTable {
    return rootSingleton(scope, SecurityGroupCaseTable.ID, (root, id) => new SecurityGroupCaseTable(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stackOwnedTable(this, {
      partitionKey: { name: STORE_KEY.execution, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STORE_KEY.group, type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

export interface SecurityGroupResources {
  table: dynamodb.ITable;
}

export const storeResources = (scope: Construct): SecurityGroupResources => ({ table: SecurityGroupCaseTable.of(scope).table });
export const storeEnvironment = ({ resources }: { resources: SecurityGroupResources }) => ({ [SG_STORE_ENV]: resources.table.tableName });
export const storeAccess = (...actions: ('PutItem' | 'Query' | 'UpdateItem')[]): Grant<SecurityGroupResources> => ({ resources }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [resources.table.tableArn] }),
];

type Direction = 'Ingress' | 'Egress';
const DIRECTIONS: Direction[] = ['Ingress', 'Egress'];

/**
 * Authorize/Revoke on security groups only while a remediation holds them (remediation:lock), never on one
 * tagged remediation:exclude=true. Authorize is also authorized on the new rule's ARN: `rule` conditions it
 * (add-replacements: only rules tagged as restrict's). Revoke has no rule resource type in IAM (only the
 * group), so which rules restore removes is the handler's choice (those tagged with the restrict execution).
 */
export const sgRuleChange = (verb: 'Authorize' | 'Revoke', rule: Record<string, Record<string, string | string[]>> = {}): Grant<SecurityGroupResources> => ({ scope }) => {
  const actions = DIRECTIONS.map((d) => `ec2:${verb}SecurityGroup${d}`);
  return [
    new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'security-group')], conditions: LOCKED }),
    ...(verb === 'Authorize'
      ? [new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'security-group-rule')], ...(Object.keys(rule).length > 0 ? { conditions: rule } : {}) })]
      : []),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources: [ec2Arn(scope, 'security-group')], conditions: EXCLUDED }),
  ];
};

/** Tags on a rule only as the Authorize call that creates it. */
export const sgRuleTagOnCreate: Grant<SecurityGroupResources> = ({ scope }) => [new iam.PolicyStatement({
  actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'security-group-rule')],
  conditions: { StringEquals: { 'ec2:CreateAction': DIRECTIONS.map((d) => `AuthorizeSecurityGroup${d}`) } },
})];

export const OUR_NEW_REPLACEMENT_RULES = { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.restrictSecurityGroups } };

export const SECURITY_GROUP_FINDINGS: AcceptedFinding[] = [{
  rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12}):security-group-rule/\\*\\]$`),
  reason: 'Security-group rule ids are read or created at run time; the same calls are allowed on the group only while it carries ' +
    'remediation:lock (denied on remediation:exclude=true), and tagging a rule only as the Authorize call creates it.',
  statement: (s) => !list(s.Resource).some((r) => /security-group-rule\/\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
    actionsOf(s).every((a) => /^ec2:AuthorizeSecurityGroup(Ingress|Egress)$/.test(a) || (a === 'ec2:CreateTags' && hasCondition(s, 'ec2:CreateAction'))),
}];
