import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CASE_KEY, INSTANCE_CASE_TABLE_ENV, INSTANCE_KEY } from '../../tasks/isolation/lib/case-store';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { EXCLUDED, LOCKED, ec2Arn } from '../kit/grants';
import { rootSingleton } from '../kit/root';
import { stackOwnedTable } from '../kit/tables';
import type { Grant } from '../kit/spec';
import { NO_RESOURCE_LEVEL, list, type AcceptedFinding } from '../nag';

/**
 * The stack's instance case table: one item per isolated instance of a case (case id, instance id) with the instance's
 * prior state, its forensic snapshots and each step as made; release and rollback read it. Retained, PITR.
 */
export class InstanceCaseTable extends Construct {
  static readonly ID = 'InstanceCases';
  readonly table: dynamodb.Table;

  static of(scope: Construct): InstanceCaseTable {
    return rootSingleton(scope, InstanceCaseTable.ID, (root, id) => new InstanceCaseTable(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stackOwnedTable(this, {
      partitionKey: { name: CASE_KEY, type: dynamodb.AttributeType.STRING }, sortKey: { name: INSTANCE_KEY, type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

export interface IsolateInstanceProps {
  /** block-source-ip's machine: input blockSourceIp starts it. */
  blockStateMachine?: sfn.IStateMachine;
  /** rotate-key-pair: with rotateKeyPair: true, started (.sync:2) under the handed-over lock before the empty group. */
  rotateStateMachine?: sfn.IStateMachine;
  /** Roles of our own that CloudFormation did not name `<stack>-...` (CDK context `containPrincipal.protectedRoleArns`). */
  protectedRoleArns?: string[];
  approvalTopic?: sns.ITopic;
}
export interface IsolateInstanceResources extends IsolateInstanceProps {
  table: dynamodb.ITable;
  approvalTopic: sns.ITopic;
  ownRolePrefix: string;
}

export const caseEnvironment = ({ resources }: { resources: IsolateInstanceResources }) => ({ [INSTANCE_CASE_TABLE_ENV]: resources.table.tableName });
export const caseAccess = (...actions: ('GetItem' | 'PutItem' | 'UpdateItem' | 'Query')[]): Grant<IsolateInstanceResources> => ({ resources }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [resources.table.tableArn] }),
];

/** Reads with no resource-level permissions (EC2 Describe*, Auto Scaling and ELBv2 describes). */
export const describe = (...actions: string[]): Grant<IsolateInstanceResources> => () => [new iam.PolicyStatement({ actions, resources: ['*'] })];

/** EC2 actions on the locked instance only, never on one tagged remediation:exclude=true. */
export const onLockedInstance = (...actions: string[]): Grant<IsolateInstanceResources> => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: [ec2Arn(scope, 'instance')], conditions: LOCKED }),
  new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: actions.map((a) => `ec2:${a}`), resources: [ec2Arn(scope, 'instance')], conditions: EXCLUDED }),
];

const stackArn = (scope: Construct, service: string, resource: string): string => {
  const s = Stack.of(scope);
  return `arn:${s.partition}:${service}:${s.region}:${s.account}:${resource}`;
};

/**
 * ENI group changes (ModifyNetworkInterfaceAttribute). IAM authorizes the ENI (always), its instance and subnet (when
 * EC2 names them) and each group of the request. The ENI only while it carries the lock tag (LockResources tags the
 * plan's `networkInterfaceIds` before any change, in the isolating and in the releasing execution alike) and never one
 * tagged remediation:exclude=true; the instance only while locked. `groups`: `isolation` for the moves (only the stack's
 * isolation groups, which carry remediation:workflow=isolate-instance from their creation); `any` for restore, which
 * puts back the ENI's original groups: those are whatever groups of the account the ENI had, named only by the case
 * record, so no tag can scope them (the lock on the ENI is what limits the restore).
 */
export const moveInterfaces = (groups: 'isolation' | 'any'): Grant<IsolateInstanceResources> => ({ scope }) => {
  const actions = ['ec2:ModifyNetworkInterfaceAttribute'];
  return [
    new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'network-interface'), ec2Arn(scope, 'instance')], conditions: LOCKED }),
    new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'subnet')] }),
    groups === 'isolation'
      ? new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'security-group')], conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.isolateInstance } } })
      : new iam.PolicyStatement({ actions, resources: [ec2Arn(scope, 'security-group')] }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources: [ec2Arn(scope, 'network-interface'), ec2Arn(scope, 'instance')], conditions: EXCLUDED }),
  ];
};

/** The isolation groups: created only with our tags in the request, their rules changed only on groups that carry them. */
export const isolationGroups: Grant<IsolateInstanceResources> = ({ scope }) => [
  new iam.PolicyStatement({ actions: ['ec2:CreateSecurityGroup'], resources: [ec2Arn(scope, 'vpc')] }),
  new iam.PolicyStatement({
    actions: ['ec2:CreateSecurityGroup'], resources: [ec2Arn(scope, 'security-group')], conditions: { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.isolateInstance } },
  }),
  new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'security-group')], conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } } }),
  new iam.PolicyStatement({
    actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress'], resources: [ec2Arn(scope, 'security-group')],
    conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.isolateInstance } },
  }),
];

/** CreateSnapshots of the locked instance's volumes into snapshots tagged with this workflow (tags only on that create). */
export const forensicSnapshots: Grant<IsolateInstanceResources> = ({ scope }) => [
  ...onLockedInstance('CreateSnapshots')({ scope, resources: undefined as never }),
  new iam.PolicyStatement({ actions: ['ec2:CreateSnapshots'], resources: [ec2Arn(scope, 'volume')] }),
  new iam.PolicyStatement({
    actions: ['ec2:CreateSnapshots'], resources: [ec2Arn(scope, 'snapshot')], conditions: { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.isolateInstance } },
  }),
  new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'snapshot')], conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshots' } } }),
];

/** Auto Scaling and ELBv2 changes on this account's groups and target groups, never on ones tagged remediation:exclude=true. */
export const serviceMembership = (autoScaling: string[], elbv2: string[]): Grant<IsolateInstanceResources> => ({ scope }) => {
  const groups = stackArn(scope, 'autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*');
  const targets = stackArn(scope, 'elasticloadbalancing', 'targetgroup/*/*');
  const actions = [...autoScaling.map((a) => `autoscaling:${a}`), ...elbv2.map((a) => `elasticloadbalancing:${a}`)];
  return [
    new iam.PolicyStatement({ actions, resources: [groups, targets] }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources: [groups, targets], conditions: EXCLUDED }),
  ];
};

/** Re-associating the saved profile: PassRole of a role of this account to EC2 only. */
export const passProfileRole: Grant<IsolateInstanceResources> = ({ scope }) => {
  const s = Stack.of(scope);
  return [new iam.PolicyStatement({
    actions: ['iam:PassRole'], resources: [`arn:${s.partition}:iam::${s.account}:role/*`], conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  })];
};

/** Resources named at run time: instances, ENIs, groups, snapshots, target groups and profile roles of this account. */
export const ISOLATE_INSTANCE_FINDINGS: AcceptedFinding[] = [{
  rule: /^AwsSolutions-IAM5\[/,
  reason: 'isolate-instance acts on an instance known only at run time and on what it has (volumes, ENIs, Auto Scaling group, target groups, '
    + 'profile role): mutating EC2 calls are on the locked instance or our tagged groups, with Denies on remediation:exclude=true and protected roles; '
    + 'Describe calls support no resource-level permissions.',
  // CDK merges the Describe statements on '*' with the runtime's (X-Ray): those are the kit's no-resource-level actions.
  statement: (s) => s.Effect === 'Deny' || list(s.Action).every((a) => NO_RESOURCE_LEVEL.test(String(a))
    // plan-isolation's rotateKeyPair check: SSM's DescribeInstanceInformation supports no resource-level permissions.
    || /^(ec2|iam):[A-Za-z]+$|^ssm:DescribeInstanceInformation$|^autoscaling:(Describe[A-Za-z]+|EnterStandby|ExitStandby|DetachInstances|AttachInstances)$|^elasticloadbalancing:(Describe[A-Za-z]+|(Der|R)egisterTargets)$/.test(String(a))),
}, {
  rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):states:[^:]+:[^:]+:execution:.+\]$/,
  reason: "CDK's grants for StartKeyRotation's .sync:2 start: Describe/StopExecution on the executions of rotate-key-pair's state machine, "
    + 'whose names are made per case.',
  statement: (s) => list(s.Action).every((a) => ['states:DescribeExecution', 'states:StopExecution'].includes(String(a))),
}];
