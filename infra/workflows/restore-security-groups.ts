import { Duration } from 'aws-cdk-lib';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildRestoreDefinition, type RestoreTask } from '../../workflows/restore-security-groups';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import {
  SECURITY_GROUP_FINDINGS, sgRuleChange, sgRuleTagOnCreate, storeAccess, storeEnvironment, storeResources,
  type SecurityGroupResources,
} from './security-group-store';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const RESTORE_TASK_SPECS: Record<RestoreTask, TaskSpec<SecurityGroupResources>> = {
  'validate-restore-input': { entry: 'tasks/security-groups/validate-restore-input.ts', environment: storeEnvironment, grants: [storeAccess('Query')] },
  'plan-restore': {
    entry: 'tasks/security-groups/plan-restore.ts', environment: storeEnvironment,
    grants: [storeAccess('Query'), ec2Describe('DescribeSecurityGroups', 'DescribeSecurityGroupRules')],
  },
  'authorize-rules': {
    entry: 'tasks/security-groups/authorize-rules.ts',
    grants: [ec2Describe('DescribeSecurityGroupRules'), sgRuleChange('Authorize'), sgRuleTagOnCreate],
  },
  // IAM names no rule on Revoke (only the group): the plan picks only rules tagged with the restrict execution.
  'remove-replacements': { entry: 'tasks/security-groups/remove-replacements.ts', grants: [sgRuleChange('Revoke')] },
  'verify-restored': { entry: 'tasks/security-groups/verify-restored.ts', grants: [ec2Describe('DescribeSecurityGroupRules')] },
  'build-restore-report': { entry: 'tasks/security-groups/build-restore-report.ts', grants: [] },
};

/** restore-security-groups: the rules a restrict run saved, put back exactly, its replacements removed. */
export const restoreSecurityGroupsSpec = defineWorkflow<RestoreTask, SecurityGroupResources>({
  name: WORKFLOW.restoreSecurityGroups,
  comment: COMMENT,
  timeout: Duration.minutes(30),
  tasks: RESTORE_TASK_SPECS,
  resources: storeResources,
  definition: (scope, fns, _resources, kit) => buildRestoreDefinition(scope, fns, kit),
  // The VPC the restrict run locked (ValidateInput reads it from the case table).
  lock: { targetPath: '$.target', resourcesPath: '$.plan.toChange' },
  acceptedFindings: SECURITY_GROUP_FINDINGS,
});
