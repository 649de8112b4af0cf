import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CASE_KEY, CASE_TABLE_ENV } from '../../tasks/principal/lib/case-store';
import { SERVICE_LINKED_PATH, SSO_RESERVED_PATH, SSO_ROLE_PREFIX } from '../../tasks/principal/lib/principal';
import { TAG } from '../../tasks/lib/tags';
import { rootSingleton } from '../kit/root';
import { stackOwnedTable } from '../kit/tables';
import type { Grant } from '../kit/spec';
import { list, type AcceptedFinding } from '../nag';

/**
 * The stack's principal case table: one item per containment (keyed by case id) with the principal's prior state, what
 * the run planned and each change as made; release reads it. On demand, PITR, encrypted, retained: it is the only
 * record of which keys the product set Inactive.
 */
export class PrincipalCaseTable extends Construct {
  static readonly ID = 'PrincipalCases';
  readonly table: dynamodb.Table;

  static of(scope: Construct): PrincipalCaseTable {
    // A case table the deployment keeps: in the root stack, never in the workflow's nested stack.
    return rootSingleton(scope, PrincipalCaseTable.ID, (root, id) => new PrincipalCaseTable(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stackOwnedTable(this, { partitionKey: { name: CASE_KEY, type: dynamodb.AttributeType.STRING }, removalPolicy: RemovalPolicy.RETAIN });
  }
}

export interface ContainPrincipalProps {
  /** The stack's notifications topic (infra/constructs/audit-trail.ts): root use is reported there. */
  notificationTopicArn: string;
  /** Further roles of our own that CloudFormation did not name `<stack>-...` (CDK context `containPrincipal.protectedRoleArns`). */
  protectedRoleArns?: string[];
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
}
export interface ContainPrincipalResources extends ContainPrincipalProps {
  table: dynamodb.ITable;
  approvalTopic: sns.ITopic;
  /** CloudFormation names the stack's roles `<stack name>-<logical id>-<suffix>`: the product never contains those. */
  ownRolePrefix: string;
}

export const caseEnvironment = ({ resources }: { resources: ContainPrincipalResources }) => ({ [CASE_TABLE_ENV]: resources.table.tableName });
export const caseAccess = (...actions: ('GetItem' | 'PutItem' | 'UpdateItem')[]): Grant<ContainPrincipalResources> => ({ resources }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [resources.table.tableArn] }),
];

const iamArn = (scope: Construct, resource: string): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:${resource}`;
};

/** Reads of any user or role of this account: the plan must read a protected principal to refuse it. */
export const principalRead = <R = ContainPrincipalResources>(actions: string[], kinds: ('user' | 'role')[]): Grant<R> => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `iam:${a}`), resources: kinds.map((k) => iamArn(scope, `${k}/*`)) }),
];

/** What the protected roles are computed from (isolate-instance's resources have them too). */
export type ProtectedRoles = Pick<ContainPrincipalResources, 'ownRolePrefix' | 'protectedRoleArns'>;

/** The roles the product must never change: service-linked, Identity Center's, and the stack's own. */
export const protectedRoleArns = (scope: Construct, resources: ProtectedRoles): string[] => [
  iamArn(scope, `role${SERVICE_LINKED_PATH}*`), iamArn(scope, `role${SSO_RESERVED_PATH}*`), iamArn(scope, `role/*${SSO_ROLE_PREFIX}*`),
  iamArn(scope, `role/${resources.ownRolePrefix}*`), iamArn(scope, `role/*/${resources.ownRolePrefix}*`), ...(resources.protectedRoleArns ?? []),
];

/**
 * Changes to users and roles of this account (IAM is global: no region), explicitly denied on the protected roles and
 * on any user or role tagged remediation:exclude=true. IAM has no condition key for an inline policy's name: which
 * policy is put or deleted is the handler's choice (docs/iam-conditions.md).
 */
export const principalChange = <R extends ProtectedRoles = ContainPrincipalResources>(actions: string[], kinds: ('user' | 'role')[]): Grant<R> => ({ scope, resources }) => {
  const iamActions = actions.map((a) => `iam:${a}`);
  const targets = kinds.map((k) => iamArn(scope, `${k}/*`));
  const roleActions = iamActions.filter((a) => a.endsWith('RolePolicy'));
  return [
    new iam.PolicyStatement({ actions: iamActions, resources: targets }),
    ...(roleActions.length > 0 ? [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: roleActions, resources: protectedRoleArns(scope, resources) })] : []),
    new iam.PolicyStatement({
      effect: iam.Effect.DENY, actions: iamActions, resources: targets,
      conditions: { StringEqualsIgnoreCase: { [`iam:ResourceTag/${TAG.exclude}`]: 'true' } },
    }),
  ];
};

/** IAM users and roles are named at run time (the principal of a CloudTrail event). */
export const CONTAIN_PRINCIPAL_FINDINGS: AcceptedFinding[] = [{
  rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):iam::(<AWS::AccountId>|\d{12}):(user|role)\/.*\*.*\]$/,
  reason: 'contain-principal acts on the user or role behind a CloudTrail event, known only at run time: reads and the key/inline-policy calls ' +
    'are on users and roles of this account, with explicit Denies on service-linked, Identity Center and the stack\'s own roles and on remediation:exclude=true.',
  statement: (s) => s.Effect === 'Deny' || list(s.Action).every((a) => /^iam:(Get|List)[A-Za-z]+$|^iam:(UpdateAccessKey|(Put|Delete)(User|Role)Policy)$/.test(String(a))),
}];
