import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { stateMachineName } from '../../tasks/lib/names';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildUnblockSourceIpDefinition, type UnblockSourceIpTask } from '../../workflows/unblock-source-ip';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { BLOCK_EXECUTIONS_ENV } from '../../tasks/network/lib/nacl-blocks';
import { REGION, actionsOf, type AcceptedFinding } from '../nag';
import { NACL_ACCEPTED_FINDINGS, naclBlockTags, naclEntries } from './nacl-grants';

/**
 * block-source-ip's executions, by the state machine's known name (block-source-ip already refers to this workflow's ARN,
 * so a reference back would be a cycle): `...:execution:remediation-block-source-ip:` and the execution name after it.
 */
const blockExecutionArn = (scope: Construct, name: string) => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${stateMachineName(WORKFLOW.blockSourceIp)}:${name}`;
};

const BLOCK_EXECUTIONS_FINDING: AcceptedFinding = {
  rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):states:${REGION}:(<AWS::AccountId>|\\d{12}):execution:${stateMachineName(WORKFLOW.blockSourceIp)}:\\*\\]$`),
  reason: 'An early unblock stops the block-source-ip execution still waiting for the expiry of the entries it removed; execution '
    + 'names are known only at run time, and only that one state machine\'s executions can be read or stopped.',
  statement: (s) => actionsOf(s).every((a) => a === 'states:DescribeExecution' || a === 'states:StopExecution'),
};

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const UNBLOCK_SOURCE_IP_TASK_SPECS: Record<UnblockSourceIpTask, TaskSpec<Record<string, never>>> = {
  'validate-unblock-input': { entry: 'tasks/network/validate-unblock-input.ts', grants: [] },
  'plan-unblock': { entry: 'tasks/network/plan-unblock.ts', grants: [ec2Describe('DescribeNetworkAcls')] },
  'remove-blocks': { entry: 'tasks/network/remove-blocks.ts', grants: [ec2Describe('DescribeNetworkAcls'), naclEntries('DeleteNetworkAclEntry'), naclBlockTags('DeleteTags')] },
  'verify-unblocked': { entry: 'tasks/network/verify-blocks.ts', grants: [ec2Describe('DescribeNetworkAcls')] },
  'stop-block-executions': {
    entry: 'tasks/network/stop-block-executions.ts',
    environment: ({ scope }) => ({ [BLOCK_EXECUTIONS_ENV]: blockExecutionArn(scope, '') }),
    grants: [ec2Describe('DescribeNetworkAcls'), ({ scope }) => [new iam.PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [blockExecutionArn(scope, '*')],
    })]],
  },
  'build-unblock-report': { entry: 'tasks/network/build-unblock-report.ts', grants: [] },
};

/** unblock-source-ip: removes the DENY entries block-source-ip added (early, or at their expiry), verified gone. */
export const unblockSourceIpSpec = defineWorkflow<UnblockSourceIpTask>({
  name: WORKFLOW.unblockSourceIp,
  comment: COMMENT,
  timeout: Duration.hours(1),
  tasks: UNBLOCK_SOURCE_IP_TASK_SPECS,
  definition: (scope, fns, _resources, kit) => buildUnblockSourceIpDefinition(scope, fns, kit),
  // The lock block-source-ip takes too (tasks/network/validate-block-input.ts NACL_LOCK_TARGET): one NACL change at a time.
  lock: { targetPath: '$.lockTarget' },
  acceptedFindings: [...NACL_ACCEPTED_FINDINGS, BLOCK_EXECUTIONS_FINDING],
});
