import { Duration } from 'aws-cdk-lib';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildRestrictDefinition, type RestrictTask } from '../../workflows/restrict-security-groups';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import {
  OUR_NEW_REPLACEMENT_RULES, SECURITY_GROUP_FINDINGS, sgRuleChange, sgRuleTagOnCreate, storeAccess, storeEnvironment, storeResources,
  type SecurityGroupResources,
} from './security-group-store';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const RESTRICT_TASK_SPECS: Record<RestrictTask, TaskSpec<SecurityGroupResources>> = {
  'validate-restrict-input': { entry: 'tasks/security-groups/validate-restrict-input.ts', grants: [ec2Describe('DescribeSecurityGroups', 'DescribeInstances')] },
  'plan-restrict': {
    entry: 'tasks/security-groups/plan-restrict.ts',
    grants: [ec2Describe('DescribeSecurityGroups', 'DescribeInstances', 'DescribeSecurityGroupRules', 'DescribeNetworkInterfaces')],
  },
  'save-rules': { entry: 'tasks/security-groups/save-rules.ts', environment: storeEnvironment, grants: [storeAccess('PutItem')] },
  'add-replacements': {
    entry: 'tasks/security-groups/add-replacements.ts',
    // The new rule only when it is tagged as ours (its replacement rules): no other rule can be added.
    grants: [ec2Describe('DescribeSecurityGroupRules'), sgRuleChange('Authorize', OUR_NEW_REPLACEMENT_RULES), sgRuleTagOnCreate],
  },
  'revoke-rules': { entry: 'tasks/security-groups/revoke-rules.ts', grants: [sgRuleChange('Revoke')] },
  'verify-restricted': { entry: 'tasks/security-groups/verify-restricted.ts', grants: [ec2Describe('DescribeSecurityGroupRules')] },
  'build-restrict-report': { entry: 'tasks/security-groups/build-restrict-report.ts', grants: [] },
  // The rollback after a failure past SaveRules, still under the lock: the groups carry remediation:lock throughout.
  'roll-back-restrict': {
    entry: 'tasks/security-groups/roll-back-restrict.ts',
    grants: [ec2Describe('DescribeSecurityGroupRules'), sgRuleChange('Authorize'), sgRuleChange('Revoke'), sgRuleTagOnCreate],
  },
  'finish-rollback': {
    entry: 'tasks/security-groups/finish-rollback.ts', environment: storeEnvironment,
    grants: [ec2Describe('DescribeSecurityGroupRules'), storeAccess('UpdateItem')],
  },
};

/** restrict-security-groups: world-open rules revoked by id after saving them; restore-security-groups puts them back. */
export const restrictSecurityGroupsSpec = defineWorkflow<RestrictTask, SecurityGroupResources>({
  name: WORKFLOW.restrictSecurityGroups,
  comment: COMMENT,
  timeout: Duration.minutes(30),
  tasks: RESTRICT_TASK_SPECS,
  resources: storeResources,
  definition: (scope, fns, _resources, kit) => buildRestrictDefinition(scope, fns, kit),
  // The VPC (ValidateInput resolves it): restrict and restore of one VPC never overlap; the groups changed carry the lock tag.
  lock: { targetPath: '$.target', resourcesPath: '$.plan.toChange' },
  acceptedFindings: SECURITY_GROUP_FINDINGS,
});
