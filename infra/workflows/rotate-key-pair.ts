import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { KEY_PAIR_KMS_KEY_ENV, KEY_PAIR_READER_ROLE_ENV } from '../../tasks/key-pair/lib/env';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildRotateKeyPairDefinition, type RotateKeyPairTask } from '../../workflows/rotate-key-pair';
import { denyOnExcluded, ec2Describe, ec2TagKeysOnly } from '../kit/grants';
import { TAG } from '../../tasks/lib/tags';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import {
  KeyPairVault, ROTATE_KEY_PAIR_FINDINGS, deleteOldKeyPair, importKeyPair, putPrivateKey, removeNewKeyPair, sendKeyCommand, ssmRead,
  type RotateKeyPairResources,
} from './rotate-key-pair-grants';

export interface RotateKeyPairProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
}

/** The rotated instance (locked, not excluded) records which key pair it no longer trusts: that one tag key only. */
const tagRotatedInstance: Grant<RotateKeyPairResources> = (ctx) => [
  ...ec2TagKeysOnly('CreateTags', ['instance'], [TAG.keyRotated], { locked: true })(ctx), ...denyOnExcluded(['CreateTags'], ['instance'])(ctx),
];
const describeKeyPairs = ec2Describe('DescribeKeyPairs') as Grant<RotateKeyPairResources>;

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const ROTATE_KEY_PAIR_TASK_SPECS: Record<RotateKeyPairTask, TaskSpec<RotateKeyPairResources>> = {
  'validate-rotate-input': { entry: 'tasks/key-pair/validate-rotate-input.ts', grants: [] },
  'plan-key-rotation': {
    entry: 'tasks/key-pair/plan-key-rotation.ts',
    grants: [ec2Describe('DescribeInstances', 'DescribeKeyPairs', 'DescribeImages') as Grant<RotateKeyPairResources>, ssmRead('DescribeInstanceInformation')],
  },
  'create-key-pair': {
    entry: 'tasks/key-pair/create-key-pair.ts',
    environment: ({ resources }) => ({ [KEY_PAIR_KMS_KEY_ENV]: resources.vault.key.keyArn }),
    grants: [describeKeyPairs, importKeyPair, putPrivateKey],
  },
  'send-key-command': { entry: 'tasks/key-pair/send-key-command.ts', grants: [ec2Describe('DescribeInstances') as Grant<RotateKeyPairResources>, sendKeyCommand] },
  'check-key-command': { entry: 'tasks/key-pair/check-key-command.ts', grants: [ssmRead('GetCommandInvocation')] },
  'verify-key-pair': { entry: 'tasks/key-pair/verify-key-pair.ts', grants: [describeKeyPairs] },
  'delete-old-key-pair': {
    entry: 'tasks/key-pair/delete-old-key-pair.ts',
    grants: [ec2Describe('DescribeKeyPairs', 'DescribeInstances') as Grant<RotateKeyPairResources>, deleteOldKeyPair, tagRotatedInstance],
  },
  'remove-new-key-pair': { entry: 'tasks/key-pair/remove-new-key-pair.ts', grants: [describeKeyPairs, removeNewKeyPair] },
  'build-rotate-report': {
    entry: 'tasks/key-pair/build-rotate-report.ts',
    environment: ({ resources }) => ({ [KEY_PAIR_READER_ROLE_ENV]: resources.vault.readers.roleArn }),
    grants: [],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

const resourcesOf = (scope: Construct, props: RotateKeyPairProps): RotateKeyPairResources => ({
  vault: KeyPairVault.of(scope),
  approvalTopicArn: (props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true })).topicArn,
});

/** rotate-key-pair: a new key pair in, the old key out of authorized_keys through SSM, the old key pair deleted; rolled back on failure. */
export const rotateKeyPairSpec = defineWorkflow<RotateKeyPairTask, RotateKeyPairResources, RotateKeyPairProps>({
  name: WORKFLOW.rotateKeyPair,
  comment: COMMENT,
  // Three commands of at most ~15 min each (30 polls, 30 s apart at most) and an approval of up to a day.
  timeout: Duration.hours(26),
  tasks: ROTATE_KEY_PAIR_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, _resources, kit) => buildRotateKeyPairDefinition(scope, fns, kit),
  // isolate-instance starts it while holding the instance's lock, and hands it over (its own lock: acceptsHandOver).
  lock: { targetPath: '$.request.instanceId', acceptsHandOver: true },
  acceptedFindings: ROTATE_KEY_PAIR_FINDINGS,
  approval: true,
});
