import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TAG, WORKFLOW_ENCRYPT_VOLUMES } from '../../tasks/lib/tags';
import { COMMENT, ENCRYPT_VOLUMES_TASKS, buildEncryptVolumesDefinition, type EncryptVolumesTask } from '../../workflows/encrypt-volumes';
import { RemediationStateMachine } from './remediation-state-machine';
import { TaskFunction, ec2Arn } from './task-function';

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
type Grant = (scope: Construct) => iam.PolicyStatement[];

const describe = (...actions: string[]): Grant => () => [
  // EC2 Describe* and GetEbsDefaultKmsKeyId support no resource-level permissions.
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: ['*'] }),
];
const onResources = (actions: string[], types: ('instance' | 'volume' | 'snapshot')[]): Grant => (scope) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: types.map((t) => ec2Arn(scope, t)) }),
];
const tagOnCreate = (createAction: string, type: 'volume' | 'snapshot'): Grant => (scope) => [
  new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [ec2Arn(scope, type)],
    conditions: { StringEquals: { 'ec2:CreateAction': createAction } },
  }),
];
/** EBS uses the key on the caller's behalf; only through EC2 (or EBS direct) in this region. */
const kmsVia = (service: 'ec2' | 'ebs', actions: string[]): Grant => (scope) => {
  const stack = Stack.of(scope);
  return [new iam.PolicyStatement({
    actions: actions.map((a) => `kms:${a}`),
    resources: [`arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` } },
  })];
};
const KMS_FOR_EBS = ['CreateGrant', 'Decrypt', 'DescribeKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo'];
/** Tagging an original volume: only the retention keys, never anything else on any volume. */
const onlyOurTagKeys = (action: 'CreateTags' | 'DeleteTags'): Grant => (scope) => [
  new iam.PolicyStatement({
    actions: [`ec2:${action}`],
    resources: [ec2Arn(scope, 'volume')],
    conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.replacedBy, TAG.retainUntil] } },
  }),
];
const ours = { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW_ENCRYPT_VOLUMES } };

export const TASK_GRANTS: Record<EncryptVolumesTask, { entry: string; grants: Grant[]; timeout?: Duration; environment?: (scope: EncryptVolumesWorkflow) => Record<string, string> }> = {
  'validate-input': { entry: 'tasks/ebs/validate-input.ts', grants: [] },
  preflight: {
    entry: 'tasks/ebs/preflight.ts',
    grants: [
      describe('DescribeInstances', 'DescribeVolumes', 'DescribeInstanceAttribute', 'DescribeSpotInstanceRequests', 'GetEbsDefaultKmsKeyId'),
      (scope) => {
        const stack = Stack.of(scope);
        return [new iam.PolicyStatement({
          actions: ['kms:DescribeKey'],
          resources: [`arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`, `arn:${stack.partition}:kms:${stack.region}:${stack.account}:alias/*`],
        })];
      },
    ],
  },
  'create-snapshot': {
    entry: 'tasks/ebs/create-snapshot.ts',
    grants: [describe('DescribeSnapshots'), onResources(['CreateSnapshot'], ['volume', 'snapshot']), tagOnCreate('CreateSnapshot', 'snapshot')],
  },
  'copy-snapshot': {
    entry: 'tasks/ebs/copy-snapshot.ts',
    grants: [describe('DescribeSnapshots'), onResources(['CopySnapshot'], ['snapshot']), tagOnCreate('CopySnapshot', 'snapshot'), kmsVia('ec2', KMS_FOR_EBS)],
  },
  'check-snapshots': { entry: 'tasks/ebs/check-snapshots.ts', grants: [describe('DescribeSnapshots')] },
  'stop-instance': { entry: 'tasks/instance/stop-instance.ts', grants: [onResources(['StopInstances'], ['instance'])] },
  'check-instance-state': { entry: 'tasks/instance/check-instance-state.ts', grants: [describe('DescribeInstances')] },
  'create-volume': {
    entry: 'tasks/ebs/create-volume.ts',
    grants: [describe('DescribeVolumes'), onResources(['CreateVolume'], ['volume', 'snapshot']), tagOnCreate('CreateVolume', 'volume'), kmsVia('ec2', KMS_FOR_EBS)],
  },
  'check-volumes': { entry: 'tasks/ebs/check-volumes.ts', grants: [describe('DescribeVolumes')] },
  'swap-volume': {
    entry: 'tasks/ebs/swap-volume.ts',
    grants: [
      describe('DescribeVolumes'),
      onResources(['AttachVolume', 'DetachVolume'], ['instance', 'volume']),
      onResources(['ModifyInstanceAttribute'], ['instance']),
      onlyOurTagKeys('CreateTags'),
      kmsVia('ec2', ['CreateGrant', 'Decrypt', 'DescribeKey']),
    ],
  },
  'verify-swap': {
    entry: 'tasks/ebs/verify-swap.ts',
    grants: [
      describe('DescribeInstances', 'DescribeVolumes'),
      (scope) => [new iam.PolicyStatement({ actions: ['ebs:ListSnapshotBlocks'], resources: [ec2Arn(scope, 'snapshot')] })],
      kmsVia('ebs', ['Decrypt', 'DescribeKey']),
    ],
    // Lambda gives up (13 min) before the state's 14-minute timeout, so the error is the function's own.
    timeout: Duration.minutes(13),
  },
  'start-instance': {
    entry: 'tasks/instance/start-instance.ts',
    // Starting an instance with encrypted volumes uses the key on the caller's behalf.
    grants: [onResources(['StartInstances'], ['instance']), kmsVia('ec2', ['CreateGrant', 'Decrypt', 'DescribeKey'])],
  },
  'delete-intermediate-snapshots': {
    entry: 'tasks/ebs/delete-intermediate-snapshots.ts',
    // Only snapshots this workflow made: never anything else in the account.
    grants: [() => [new iam.PolicyStatement({ actions: ['ec2:DeleteSnapshot'], resources: ['*'], conditions: ours })]],
  },
  'build-report': { entry: 'tasks/ebs/build-report.ts', grants: [] },
  'rollback-volume': {
    entry: 'tasks/ebs/rollback-volume.ts',
    grants: [
      describe('DescribeVolumes', 'DescribeInstances'),
      onResources(['AttachVolume', 'DetachVolume'], ['instance', 'volume']),
      onResources(['ModifyInstanceAttribute'], ['instance']),
      onlyOurTagKeys('DeleteTags'),
      kmsVia('ec2', ['CreateGrant', 'Decrypt', 'DescribeKey']),
    ],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [(scope) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [(scope as EncryptVolumesWorkflow).approvalTopic.topicArn] })]],
    environment: (scope) => ({ APPROVAL_TOPIC_ARN: scope.approvalTopic.topicArn }),
  },
  'finish-rollback': {
    entry: 'tasks/ebs/finish-rollback.ts',
    grants: [
      describe('DescribeSnapshots', 'DescribeVolumes'),
      (scope) => [new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [ec2Arn(scope, 'volume'), ec2Arn(scope, 'snapshot')], conditions: ours })],
    ],
  },
};

/** The whole encrypt-volumes workflow: its task functions, their permissions, its state machine. */
export interface EncryptVolumesWorkflowProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
  /** No answer within this time = rejected (default 24 h). */
  approvalTimeout?: Duration;
}

export class EncryptVolumesWorkflow extends Construct {
  readonly machine: RemediationStateMachine;
  readonly functions: Record<EncryptVolumesTask, TaskFunction>;
  readonly approvalTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: EncryptVolumesWorkflowProps = {}) {
    super(scope, id);
    this.approvalTopic = props.approvalTopic ?? new sns.Topic(this, 'ApprovalRequests', {
      displayName: 'EC2 remediation: approval requests',
      enforceSSL: true,
    });
    const functions = {} as Record<EncryptVolumesTask, TaskFunction>;
    for (const task of ENCRYPT_VOLUMES_TASKS) {
      const { entry, grants, timeout, environment } = TASK_GRANTS[task];
      functions[task] = new TaskFunction(this, task, {
        entry,
        statements: grants.flatMap((grant) => grant(this)),
        ...(timeout ? { timeout } : {}),
        ...(environment ? { environment: environment(this) } : {}),
      });
    }
    this.functions = functions;
    const fns = {} as Record<EncryptVolumesTask, IFunction>;
    for (const task of ENCRYPT_VOLUMES_TASKS) fns[task] = functions[task].fn;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: WORKFLOW_ENCRYPT_VOLUMES,
      definition: buildEncryptVolumesDefinition(this, fns, props.approvalTimeout),
      comment: COMMENT,
      // Longer than every poll budget together, so a budget (which rolls back) always fires first.
      timeout: Duration.days(30),
    });
  }
}
