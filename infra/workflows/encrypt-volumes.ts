import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildEncryptVolumesDefinition, type EncryptVolumesTask } from '../../workflows/encrypt-volumes';
import { ec2Arn, ec2Describe, ec2On, ec2TagOnCreate, kmsDescribeKey, kmsVia, statements } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';

export interface EncryptVolumesProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
  /** No answer within this time = rejected (default 24 h). */
  approvalTimeout?: Duration;
}

export interface EncryptVolumesResources {
  approvalTopic: sns.ITopic;
  approvalTimeout?: Duration;
}

const KMS_FOR_EBS = ['CreateGrant', 'Decrypt', 'DescribeKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo'];
const KMS_TO_ATTACH = ['CreateGrant', 'Decrypt', 'DescribeKey'];
const ours = { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.encryptVolumes } };

/** Tagging an original volume: only the retention keys, never anything else on any volume. */
const onlyOurTagKeys = (action: 'CreateTags' | 'DeleteTags'): Grant => statements((scope) => [
  new iam.PolicyStatement({
    actions: [`ec2:${action}`],
    resources: [ec2Arn(scope, 'volume')],
    conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.replacedBy, TAG.retainUntil] } },
  }),
]);

type Tasks = Record<EncryptVolumesTask, TaskSpec<EncryptVolumesResources>>;

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const ENCRYPT_VOLUMES_TASK_SPECS: Tasks = {
  'validate-input': { entry: 'tasks/ebs/validate-input.ts', grants: [] },
  preflight: {
    entry: 'tasks/ebs/preflight.ts',
    grants: [ec2Describe('DescribeInstances', 'DescribeVolumes', 'DescribeInstanceAttribute', 'DescribeSpotInstanceRequests', 'GetEbsDefaultKmsKeyId'), kmsDescribeKey],
  },
  'create-snapshot': {
    entry: 'tasks/ebs/create-snapshot.ts',
    grants: [ec2Describe('DescribeSnapshots'), ec2On(['CreateSnapshot'], ['volume', 'snapshot']), ec2TagOnCreate('CreateSnapshot', 'snapshot')],
  },
  'copy-snapshot': {
    entry: 'tasks/ebs/copy-snapshot.ts',
    grants: [ec2Describe('DescribeSnapshots'), ec2On(['CopySnapshot'], ['snapshot']), ec2TagOnCreate('CopySnapshot', 'snapshot'), kmsVia('ec2', KMS_FOR_EBS)],
  },
  'check-snapshots': { entry: 'tasks/ebs/check-snapshots.ts', grants: [ec2Describe('DescribeSnapshots')] },
  'stop-instance': { entry: 'tasks/instance/stop-instance.ts', grants: [ec2On(['StopInstances'], ['instance'])] },
  'check-instance-state': { entry: 'tasks/instance/check-instance-state.ts', grants: [ec2Describe('DescribeInstances')] },
  'create-volume': {
    entry: 'tasks/ebs/create-volume.ts',
    grants: [ec2Describe('DescribeVolumes'), ec2On(['CreateVolume'], ['volume', 'snapshot']), ec2TagOnCreate('CreateVolume', 'volume'), kmsVia('ec2', KMS_FOR_EBS)],
  },
  'check-volumes': { entry: 'tasks/ebs/check-volumes.ts', grants: [ec2Describe('DescribeVolumes')] },
  'swap-volume': {
    entry: 'tasks/ebs/swap-volume.ts',
    grants: [
      ec2Describe('DescribeVolumes'),
      ec2On(['AttachVolume', 'DetachVolume'], ['instance', 'volume']),
      ec2On(['ModifyInstanceAttribute'], ['instance']),
      onlyOurTagKeys('CreateTags'),
      kmsVia('ec2', KMS_TO_ATTACH),
    ],
  },
  'verify-swap': {
    entry: 'tasks/ebs/verify-swap.ts',
    grants: [
      ec2Describe('DescribeInstances', 'DescribeVolumes'),
      statements((scope) => [new iam.PolicyStatement({ actions: ['ebs:ListSnapshotBlocks'], resources: [ec2Arn(scope, 'snapshot')] })]),
      kmsVia('ebs', ['Decrypt', 'DescribeKey']),
    ],
    // Lambda gives up (13 min) before the state's 14-minute timeout, so the error is the function's own.
    timeout: Duration.minutes(13),
  },
  'start-instance': {
    entry: 'tasks/instance/start-instance.ts',
    // Starting an instance with encrypted volumes uses the key on the caller's behalf.
    grants: [ec2On(['StartInstances'], ['instance']), kmsVia('ec2', KMS_TO_ATTACH)],
  },
  'delete-intermediate-snapshots': {
    entry: 'tasks/ebs/delete-intermediate-snapshots.ts',
    // Only snapshots this workflow made: never anything else in the account.
    grants: [statements(() => [new iam.PolicyStatement({ actions: ['ec2:DeleteSnapshot'], resources: ['*'], conditions: ours })])],
  },
  'build-report': { entry: 'tasks/ebs/build-report.ts', grants: [] },
  'rollback-volume': {
    entry: 'tasks/ebs/rollback-volume.ts',
    grants: [
      ec2Describe('DescribeVolumes', 'DescribeInstances'),
      ec2On(['AttachVolume', 'DetachVolume'], ['instance', 'volume']),
      ec2On(['ModifyInstanceAttribute'], ['instance']),
      onlyOurTagKeys('DeleteTags'),
      kmsVia('ec2', KMS_TO_ATTACH),
    ],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
  'finish-rollback': {
    entry: 'tasks/ebs/finish-rollback.ts',
    grants: [
      ec2Describe('DescribeSnapshots', 'DescribeVolumes'),
      statements((scope) => [new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'volume'), ec2Arn(scope, 'snapshot')], conditions: ours })]),
    ],
  },
};

function approvalTopic(scope: Construct, props: EncryptVolumesProps): EncryptVolumesResources {
  return {
    approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
    ...(props.approvalTimeout ? { approvalTimeout: props.approvalTimeout } : {}),
  };
}

/** encrypt-volumes: snapshot -> encrypted copy -> new volume -> swap -> verify, with rollback. */
export const encryptVolumesSpec = defineWorkflow<EncryptVolumesTask, EncryptVolumesResources, EncryptVolumesProps>({
  name: WORKFLOW.encryptVolumes,
  comment: COMMENT,
  // Longer than every poll budget together, so a budget (which rolls back) always fires first.
  timeout: Duration.days(30),
  tasks: ENCRYPT_VOLUMES_TASK_SPECS,
  resources: approvalTopic,
  definition: (scope, fns, resources, kit) => buildEncryptVolumesDefinition(scope, fns, resources.approvalTimeout, kit),
  // One remediation per instance at a time, whichever workflow it is.
  lock: { targetPath: '$.request.instanceId' },
});
