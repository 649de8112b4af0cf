import { Duration } from 'aws-cdk-lib';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildUnblockSourceIpDefinition, type UnblockSourceIpTask } from '../../workflows/unblock-source-ip';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { NACL_ACCEPTED_FINDINGS, naclBlockTags, naclEntries } from './nacl-grants';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const UNBLOCK_SOURCE_IP_TASK_SPECS: Record<UnblockSourceIpTask, TaskSpec<Record<string, never>>> = {
  'validate-unblock-input': { entry: 'tasks/network/validate-unblock-input.ts', grants: [] },
  'plan-unblock': { entry: 'tasks/network/plan-unblock.ts', grants: [ec2Describe('DescribeNetworkAcls')] },
  'remove-blocks': { entry: 'tasks/network/remove-blocks.ts', grants: [ec2Describe('DescribeNetworkAcls'), naclEntries('DeleteNetworkAclEntry'), naclBlockTags('DeleteTags')] },
  'verify-unblocked': { entry: 'tasks/network/verify-blocks.ts', grants: [ec2Describe('DescribeNetworkAcls')] },
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
  acceptedFindings: NACL_ACCEPTED_FINDINGS,
});
