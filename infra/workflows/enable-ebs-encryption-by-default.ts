import { Duration } from 'aws-cdk-lib';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildEbsDefaultDefinition, type EbsDefaultTask } from '../../workflows/enable-ebs-encryption-by-default';
import { ec2Describe, kmsDescribeKey } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { NO_RESOURCE_LEVEL, actionsOf, onAnyResource } from '../nag';

/**
 * The region's EBS encryption settings: EC2 gives these actions no resource type and no condition keys, so Resource
 * '*' is the only choice. Each function holds only the ones its handler calls; only the rollback may turn it off.
 */
const ebsSettings = ec2Describe;
const READ = ['GetEbsEncryptionByDefault', 'GetEbsDefaultKmsKeyId'];
export const EBS_SETTINGS_ACTIONS = /^ec2:(Get|Enable|Disable)EbsEncryptionByDefault$|^ec2:(Get|Modify|Reset)EbsDefaultKmsKeyId$/;

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const EBS_DEFAULT_TASK_SPECS: Record<EbsDefaultTask, TaskSpec<unknown>> = {
  'validate-ebs-default-input': { entry: 'tasks/ebs-default/validate-ebs-default-input.ts', grants: [] },
  'plan-ebs-default': { entry: 'tasks/ebs-default/plan-ebs-default.ts', grants: [ebsSettings(...READ), kmsDescribeKey] },
  'enable-encryption-by-default': {
    entry: 'tasks/ebs-default/enable-encryption-by-default.ts', grants: [ebsSettings('GetEbsEncryptionByDefault', 'EnableEbsEncryptionByDefault')],
  },
  // Setting the default key uses no key (EC2 uses it only when a volume is created): no KMS action.
  'set-default-kms-key': { entry: 'tasks/ebs-default/set-default-kms-key.ts', grants: [ebsSettings('GetEbsDefaultKmsKeyId', 'ModifyEbsDefaultKmsKeyId')] },
  'verify-ebs-default': { entry: 'tasks/ebs-default/verify-ebs-default.ts', grants: [ebsSettings(...READ), kmsDescribeKey] },
  'restore-ebs-default': {
    entry: 'tasks/ebs-default/restore-ebs-default.ts',
    grants: [ebsSettings(...READ, 'ModifyEbsDefaultKmsKeyId', 'ResetEbsDefaultKmsKeyId', 'DisableEbsEncryptionByDefault')],
  },
  'build-ebs-default-report': { entry: 'tasks/ebs-default/build-ebs-default-report.ts', grants: [] },
};

/** enable-ebs-encryption-by-default: the region's encryption by default and default key, verified, put back on failure. */
export const enableEbsEncryptionByDefaultSpec = defineWorkflow<EbsDefaultTask, unknown>({
  name: WORKFLOW.enableEbsEncryptionByDefault,
  comment: COMMENT,
  // Every step takes seconds.
  timeout: Duration.minutes(30),
  tasks: EBS_DEFAULT_TASK_SPECS,
  definition: (scope, fns, _resources, kit) => buildEbsDefaultDefinition(scope, fns, kit),
  // Account-level: `<account>/<region>/enable-ebs-encryption-by-default`.
  lock: {},
  acceptedFindings: [{
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: "EC2's EBS encryption-by-default settings (Get/Enable/DisableEbsEncryptionByDefault, Get/Modify/ResetEbsDefaultKmsKeyId) " +
      'have no resource type: each function holds only the ones its handler calls.',
    // CDK merges the runtime's X-Ray grant into the same '*' statement.
    statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => EBS_SETTINGS_ACTIONS.test(a) || NO_RESOURCE_LEVEL.test(a)),
  }],
});
