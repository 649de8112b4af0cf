import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { stateMachineName } from '../../tasks/lib/names';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildIsolateInstanceDefinition, type IsolateInstanceTask } from '../../workflows/isolate-instance';
import { ec2TagKeysOnly } from '../kit/grants';
import { rootStackOf } from '../kit/root';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { principalChange, principalRead } from './contain-principal-grants';
import {
  ISOLATE_INSTANCE_FINDINGS, InstanceCaseTable, caseAccess, caseEnvironment, describe, forensicSnapshots, isolationGroups, moveInterfaces,
  onLockedInstance, passProfileRole, serviceMembership, type IsolateInstanceProps, type IsolateInstanceResources,
} from './isolate-instance-grants';

type Spec = TaskSpec<IsolateInstanceResources>;
/** What readInstanceState calls (tasks/isolation/lib/instance-state.ts). */
const READ_INSTANCE = describe(
  'ec2:DescribeInstances', 'ec2:DescribeIamInstanceProfileAssociations', 'ec2:DescribeInstanceAttribute',
  'autoscaling:DescribeAutoScalingInstances', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
);
const lockedTag = (action: 'CreateTags' | 'DeleteTags') => (ctx: Parameters<ReturnType<typeof ec2TagKeysOnly>>[0]) =>
  ec2TagKeysOnly(action, ['instance'], [TAG.isolated], { locked: true })(ctx);

/** states:StartExecution on that one child state machine only (none given: no grant, and the task's start fails). */
const startChild = (machine: 'blockStateMachine') => ({ resources }: { resources: IsolateInstanceResources }) => {
  const child = resources[machine];
  return child ? [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [child.stateMachineArn] })] : [];
};

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const ISOLATE_INSTANCE_TASK_SPECS: Record<IsolateInstanceTask, Spec> = {
  'validate-isolate-input': { entry: 'tasks/isolation/validate-isolate-input.ts', environment: caseEnvironment, grants: [caseAccess('Query')] },
  'plan-isolation': {
    entry: 'tasks/isolation/plan-isolation.ts',
    environment: (ctx) => ({ ...caseEnvironment(ctx), ISOLATE_OWN_ROLE_PREFIX: ctx.resources.ownRolePrefix, ISOLATE_OWN_ROLE_ARNS: (ctx.resources.protectedRoleArns ?? []).join(',') }),
    // rotateKeyPair: can SSM reach the instance (rotate-key-pair's own check), and the AMI's default login for the manual steps.
    grants: [READ_INSTANCE, describe('ssm:DescribeInstanceInformation', 'ec2:DescribeImages'), principalRead<IsolateInstanceResources>(['GetRole'], ['role']), ({ scope }) => {
      const s = Stack.of(scope);
      return [new iam.PolicyStatement({ actions: ['iam:GetInstanceProfile'], resources: [`arn:${s.partition}:iam::${s.account}:instance-profile/*`] })];
    }, caseAccess('GetItem')],
  },
  'snapshot-instance': {
    entry: 'tasks/isolation/snapshot-instance.ts', environment: caseEnvironment,
    grants: [forensicSnapshots, onLockedInstance('GetConsoleOutput'), describe('ec2:DescribeSnapshots'), caseAccess('PutItem', 'UpdateItem')],
  },
  'check-forensic-snapshots': { entry: 'tasks/isolation/check-forensic-snapshots.ts', grants: [describe('ec2:DescribeSnapshots')] },
  'protect-instance': { entry: 'tasks/isolation/protect-instance.ts', environment: caseEnvironment, grants: [onLockedInstance('ModifyInstanceAttribute'), caseAccess('UpdateItem')] },
  'remove-from-service': {
    entry: 'tasks/isolation/remove-from-service.ts', environment: caseEnvironment,
    grants: [serviceMembership(['EnterStandby', 'DetachInstances'], ['DeregisterTargets']), caseAccess('UpdateItem')],
  },
  'ensure-isolation-groups': { entry: 'tasks/isolation/ensure-isolation-groups.ts', grants: [describe('ec2:DescribeSecurityGroups'), isolationGroups] },
  'move-network-interface': { entry: 'tasks/isolation/move-network-interface.ts', environment: caseEnvironment, grants: [moveInterfaces('isolation'), caseAccess('UpdateItem')] },
  'revoke-instance-profile': {
    entry: 'tasks/isolation/revoke-instance-profile.ts', environment: caseEnvironment,
    grants: [onLockedInstance('DisassociateIamInstanceProfile'), principalChange<IsolateInstanceResources>(['PutRolePolicy'], ['role']), caseAccess('UpdateItem')],
  },
  'start-source-block': {
    entry: 'tasks/isolation/start-source-block.ts',
    environment: (ctx) => ({ ...caseEnvironment(ctx), BLOCK_STATE_MACHINE_ARN: ctx.resources.blockStateMachine?.stateMachineArn ?? 'none' }),
    grants: [startChild('blockStateMachine'), caseAccess('UpdateItem')],
  },
  'tag-isolated': { entry: 'tasks/isolation/tag-isolated.ts', environment: caseEnvironment, grants: [lockedTag('CreateTags'), caseAccess('UpdateItem')] },
  'verify-isolation': { entry: 'tasks/isolation/verify-isolation.ts', environment: caseEnvironment, grants: [READ_INSTANCE, caseAccess('GetItem')] },
  'restore-instance': {
    entry: 'tasks/isolation/restore-instance.ts', environment: caseEnvironment,
    grants: [READ_INSTANCE, onLockedInstance('ModifyInstanceAttribute', 'AssociateIamInstanceProfile'), passProfileRole, moveInterfaces('any'), lockedTag('DeleteTags'),
      serviceMembership(['ExitStandby', 'AttachInstances'], ['RegisterTargets']), caseAccess('GetItem', 'UpdateItem')],
  },
  'build-isolate-report': { entry: 'tasks/isolation/build-isolate-report.ts', grants: [] },
  // The rotate-key-pair child is started by the state machine itself (.sync:2): this records its ending in the case.
  'record-key-rotation': { entry: 'tasks/isolation/record-key-rotation.ts', environment: caseEnvironment, grants: [caseAccess('UpdateItem')] },
  'recheck-isolation': { entry: 'tasks/isolation/recheck-isolation.ts', grants: [describe('ec2:DescribeInstances')] },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

/**
 * rotate-key-pair's machine as this stack names it (`remediation-rotate-key-pair`, as the fleet names its children), not
 * by a reference into its nested stack: the state machine role's .sync:2 grants then read `execution:remediation-rotate-key-pair*`
 * literally (and cdk-nag sees the id the acknowledgement names). This stack deploys after that one.
 */
function rotateByName(scope: Construct, machine: sfn.IStateMachine): sfn.IStateMachine {
  const stack = Stack.of(scope);
  if (Stack.of(machine) === stack) return machine;
  stack.addStackDependency(Stack.of(machine));
  return sfn.StateMachine.fromStateMachineName(scope, 'RotateKeyPairByName', stateMachineName(WORKFLOW.rotateKeyPair));
}

const resourcesOf = (scope: Construct, props: IsolateInstanceProps): IsolateInstanceResources => ({
  ...props, table: InstanceCaseTable.of(scope).table, ownRolePrefix: `${rootStackOf(scope).stackName}-`,
  approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
});

/** isolate-instance: evidence first, then the instance cut off step by step, each recorded; release puts it back. */
export const isolateInstanceSpec = defineWorkflow<IsolateInstanceTask, IsolateInstanceResources, IsolateInstanceProps>({
  name: WORKFLOW.isolateInstance,
  comment: COMMENT,
  // Snapshots of large volumes (DATA_PROFILE's budget), the untracked wait (at most an hour) and an approval.
  timeout: Duration.hours(30),
  tasks: ISOLATE_INSTANCE_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, resources, kit) => {
    if (!resources.rotateStateMachine) throw new Error(`${WORKFLOW.isolateInstance} needs rotate-key-pair's state machine (rotateStateMachine)`);
    return buildIsolateInstanceDefinition(scope, fns, kit, rotateByName(scope, resources.rotateStateMachine));
  },
  // rotateKeyPair: the lock is handed to rotate-key-pair while it rotates the key (grant-lock, reclaim-lock). The state
  // machine's role gets from CDK what the .sync:2 start needs: StartExecution on rotate-key-pair's machine only,
  // Describe/StopExecution on its executions, and the managed EventBridge rule Step Functions watches them with.
  // The ENIs carry the lock tag too (LockResources, before any approval or change): the moves and the restore need it.
  lock: { targetPath: '$.instanceId', resourcesPath: '$.plan.networkInterfaceIds', handsOver: true },
  acceptedFindings: ISOLATE_INSTANCE_FINDINGS,
  approval: true,
});
