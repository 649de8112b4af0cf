import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { DEFAULT_APPROVAL_THRESHOLD, MAX_BLOCK_DAYS } from '../../tasks/network/lib/block-schema';
import { UNBLOCK_ARN_ENV } from '../../tasks/network/lib/nacl-blocks';
import { COMMENT, buildBlockSourceIpDefinition, type BlockSourceIpTask } from '../../workflows/block-source-ip';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { NACL_ACCEPTED_FINDINGS, naclBlockTags, naclEntries } from './nacl-grants';

export interface BlockSourceIpProps {
  /** The removal a block starts when it expires. */
  unblockStateMachine: sfn.IStateMachine;
  /** Where approval requests go (input `approval: true`, or above the threshold); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
  /** CDK context blockSourceIp.approvalThreshold: above this many subnets + instances behind the NACLs, approval is required. */
  approvalThreshold?: number;
}

export interface BlockSourceIpResources {
  unblockStateMachine: sfn.IStateMachine;
  approvalTopic: sns.ITopic;
  approvalThreshold?: number;
}

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const BLOCK_SOURCE_IP_TASK_SPECS: Record<BlockSourceIpTask, TaskSpec<BlockSourceIpResources>> = {
  'validate-block-input': { entry: 'tasks/network/validate-block-input.ts', grants: [] },
  'plan-block': {
    entry: 'tasks/network/plan-block.ts',
    environment: ({ resources }) => ({ BLOCK_APPROVAL_THRESHOLD: String(resources.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD) }),
    grants: [ec2Describe('DescribeNetworkAcls', 'DescribeInstances')],
  },
  'apply-blocks': {
    entry: 'tasks/network/apply-blocks.ts',
    grants: [ec2Describe('DescribeNetworkAcls'), naclEntries('CreateNetworkAclEntry', 'DeleteNetworkAclEntry'), naclBlockTags('CreateTags'), naclBlockTags('DeleteTags')],
  },
  'verify-blocks': { entry: 'tasks/network/verify-blocks.ts', grants: [ec2Describe('DescribeNetworkAcls')] },
  'build-block-report': { entry: 'tasks/network/build-block-report.ts', grants: [] },
  'start-block-expiry': {
    entry: 'tasks/network/start-block-expiry.ts',
    environment: ({ resources }) => ({ [UNBLOCK_ARN_ENV]: resources.unblockStateMachine.stateMachineArn }),
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [resources.unblockStateMachine.stateMachineArn] })]],
  },
  'undo-blocks': {
    entry: 'tasks/network/undo-blocks.ts',
    grants: [ec2Describe('DescribeNetworkAcls'), naclEntries('DeleteNetworkAclEntry'), naclBlockTags('CreateTags'), naclBlockTags('DeleteTags')],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

const resourcesOf = (scope: Construct, props: BlockSourceIpProps): BlockSourceIpResources => ({
  unblockStateMachine: props.unblockStateMachine,
  approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
  ...(props.approvalThreshold === undefined ? {} : { approvalThreshold: props.approvalThreshold }),
});

/** block-source-ip: NACL DENY entries for CIDRs, under the NACL lock, removed by themselves at their expiry. */
export const blockSourceIpSpec = defineWorkflow<BlockSourceIpTask, BlockSourceIpResources, BlockSourceIpProps>({
  name: WORKFLOW.blockSourceIp,
  comment: COMMENT,
  // The expiry waits in this execution (at most MAX_BLOCK_DAYS away): a Standard execution may run a year.
  timeout: Duration.days(MAX_BLOCK_DAYS + 1),
  tasks: BLOCK_SOURCE_IP_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, _resources, kit) => buildBlockSourceIpDefinition(scope, fns, kit),
  // One NACL change at a time in the account and region, shared with unblock-source-ip; released before the expiry's Wait.
  lock: { targetPath: '$.lockTarget' },
  acceptedFindings: NACL_ACCEPTED_FINDINGS,
  approval: true,
});
