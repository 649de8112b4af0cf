import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ORIGINAL_RETENTION_KEYS, TAG } from '../../tasks/lib/tags';
import { RETAIN_DAYS_ENV } from '../../tasks/lib/retention';
import { PAGE_BUDGET_ENV } from '../../tasks/ebs/lib/block-listing';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, DEFAULT_RESTART_RETRY, buildEncryptVolumesDefinition, type EncryptVolumesTask, type RestartRetry } from '../../workflows/encrypt-volumes';
import {
  LOCKED, denyInstanceAttributes, denyOnExcluded, ec2Arn, ec2CreateEncrypted, ec2Describe, ec2OnLocked, ec2SnapshotOfLocked, ec2TagKeysOnly, ec2TagOnCreate,
  kmsDescribeKey, kmsVia, statements,
} from '../kit/grants';
import { contextObject, retentionDays } from '../kit/context';
import { rootScopeOf } from '../kit/root';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';

export interface EncryptVolumesProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
  /** No answer within this time = rejected (default 24 h). */
  approvalTimeout?: Duration;
  /**
   * The final start's Retry of capacity errors (default: about 1 h in total). Also from CDK context
   * `encryptVolumes.restartRetry`: `{ "intervalSeconds": 60, "maxAttempts": 7, "maxDelaySeconds": 900 }`.
   */
  restartRetry?: RestartRetry;
}

export interface EncryptVolumesResources {
  approvalTopic: sns.ITopic;
  approvalTimeout?: Duration;
  restartRetry: RestartRetry;
}

/** The capacity Retry of the final start: the prop, else CDK context, else the default (each field on its own). */
function restartRetryOf(scope: Construct, props: EncryptVolumesProps): RestartRetry {
  if (props.restartRetry) return props.restartRetry;
  const context = contextObject<{ restartRetry: { intervalSeconds?: number; maxAttempts?: number; maxDelaySeconds?: number } }>(scope.node, 'encryptVolumes');
  const c = context.restartRetry ?? {};
  return {
    interval: c.intervalSeconds !== undefined ? Duration.seconds(c.intervalSeconds) : DEFAULT_RESTART_RETRY.interval,
    maxAttempts: c.maxAttempts ?? DEFAULT_RESTART_RETRY.maxAttempts,
    maxDelay: c.maxDelaySeconds !== undefined ? Duration.seconds(c.maxDelaySeconds) : DEFAULT_RESTART_RETRY.maxDelay,
  };
}

const KMS_FOR_EBS = ['CreateGrant', 'Decrypt', 'DescribeKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo'];
const KMS_TO_ATTACH = ['CreateGrant', 'Decrypt', 'DescribeKey'];
const ours = { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.encryptVolumes } };

/** Tagging an original volume (which carries the lock tag): only the retention keys (tasks/lib/tags.ts), never anything else. */
const onlyOurTagKeys = (action: 'CreateTags' | 'DeleteTags'): Grant => ec2TagKeysOnly(action, ['volume'], [...ORIGINAL_RETENTION_KEYS], { locked: true });
/**
 * The swap and its undo: attach/detach and DeleteOnTermination only where the instance and each volume
 * (original and replacement alike: the replacement is created with the lock tag) carry the lock tag,
 * never where an operator excluded them, never any other instance attribute.
 */
const SWAP_ACTIONS = ['AttachVolume', 'DetachVolume', 'ModifyInstanceAttribute'];
const swapGrants = (tagAction: 'CreateTags' | 'DeleteTags'): Grant[] => [
  ec2OnLocked(SWAP_ACTIONS, ['instance', 'volume']),
  denyOnExcluded([...SWAP_ACTIONS, tagAction], ['instance', 'volume']),
  denyInstanceAttributes,
  onlyOurTagKeys(tagAction),
  kmsVia('ec2', KMS_TO_ATTACH),
];

/**
 * volume-copy's CopyVolumes: the copy (a new volume) only encrypted and tagged as ours with the lock tag, as
 * CreateVolume; the source only a volume that carries the lock (and, by the Deny, is not excluded). As for
 * CreateVolume, `ec2:Encrypted` is read as the volume's own attribute (the copy: true; an unencrypted source:
 * false, so only the lock statement admits it). Not yet checked against the Service Authorization Reference's
 * CopyVolumes entry: if EC2 presents the request's Encrypted for the source too, the first statement alone
 * would admit an unlocked source with our request tags (the exclude Deny still holds).
 */
const copyVolumesGrants: Grant[] = [
  statements((scope) => [
    new iam.PolicyStatement({
      actions: ['ec2:CopyVolumes'],
      resources: [ec2Arn(scope, 'volume')],
      conditions: {
        Bool: { 'ec2:Encrypted': 'true' },
        StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.encryptVolumes },
        Null: { [`aws:RequestTag/${TAG.lock}`]: 'false' },
      },
    }),
    new iam.PolicyStatement({ actions: ['ec2:CopyVolumes'], resources: [ec2Arn(scope, 'volume')], conditions: LOCKED }),
  ]),
  denyOnExcluded(['CopyVolumes'], ['volume']),
  ec2TagOnCreate('CopyVolumes', 'volume'),
];
/** EBS direct API pages one compare-blocks invocation reads: ~7 minutes at the bench's assumed 0.2 s a page. */
export const PAGES_PER_INVOCATION = 2000;

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
    grants: [
      ec2Describe('DescribeSnapshots'), ec2SnapshotOfLocked(WORKFLOW.encryptVolumes), denyOnExcluded(['CreateSnapshot'], ['volume']),
      ec2TagOnCreate('CreateSnapshot', 'snapshot'),
    ],
  },
  'copy-snapshot': {
    entry: 'tasks/ebs/copy-snapshot.ts',
    grants: [
      ec2Describe('DescribeSnapshots'), ec2CreateEncrypted('CopySnapshot', WORKFLOW.encryptVolumes), ec2TagOnCreate('CopySnapshot', 'snapshot'),
      kmsVia('ec2', KMS_FOR_EBS),
    ],
  },
  'check-snapshots': { entry: 'tasks/ebs/check-snapshots.ts', grants: [ec2Describe('DescribeSnapshots')] },
  'stop-instance': {
    entry: 'tasks/instance/stop-instance.ts', grants: [ec2OnLocked(['StopInstances'], ['instance']), denyOnExcluded(['StopInstances'], ['instance'])],
  },
  'check-instance-state': { entry: 'tasks/instance/check-instance-state.ts', grants: [ec2Describe('DescribeInstances')] },
  'check-instance-settled': { entry: 'tasks/instance/check-instance-settled.ts', grants: [ec2Describe('DescribeInstances')] },
  'recheck-instance': { entry: 'tasks/instance/recheck-instance.ts', grants: [ec2Describe('DescribeInstances')] },
  'create-volume': {
    entry: 'tasks/ebs/create-volume.ts',
    grants: [
      ec2Describe('DescribeVolumes'), ec2CreateEncrypted('CreateVolume', WORKFLOW.encryptVolumes), ec2TagOnCreate('CreateVolume', 'volume'),
      kmsVia('ec2', KMS_FOR_EBS),
    ],
  },
  'check-volumes': { entry: 'tasks/ebs/check-volumes.ts', grants: [ec2Describe('DescribeVolumes')] },
  'copy-volume': { entry: 'tasks/ebs/copy-volume.ts', grants: [ec2Describe('DescribeVolumes'), ...copyVolumesGrants, kmsVia('ec2', KMS_FOR_EBS)] },
  'volume-initialization': { entry: 'tasks/ebs/volume-initialization.ts', grants: [ec2Describe('DescribeVolumeStatus')] },
  'swap-volume': {
    entry: 'tasks/ebs/swap-volume.ts',
    environment: ({ scope }) => ({ [RETAIN_DAYS_ENV]: String(retentionDays(scope.node)) }),
    // DescribeInstances: the re-check before each detach.
    grants: [ec2Describe('DescribeInstances', 'DescribeVolumes'), ...swapGrants('CreateTags')],
  },
  // Re-reads the instance and the new volumes; the block comparisons ran before (compare-blocks).
  'verify-swap': { entry: 'tasks/ebs/verify-swap.ts', grants: [ec2Describe('DescribeInstances', 'DescribeVolumes')] },
  // EBS direct API listings of our snapshots (the copies' key through EBS); a page budget per invocation.
  'compare-blocks': {
    entry: 'tasks/ebs/compare-blocks.ts',
    environment: () => ({ [PAGE_BUDGET_ENV]: String(PAGES_PER_INVOCATION) }),
    grants: [
      statements((scope) => [new iam.PolicyStatement({ actions: ['ebs:ListSnapshotBlocks', 'ebs:ListChangedBlocks'], resources: [ec2Arn(scope, 'snapshot')] })]),
      kmsVia('ebs', ['Decrypt', 'DescribeKey']),
    ],
    // Lambda gives up (13 min) before the state's 14-minute timeout, so the error is the function's own.
    timeout: Duration.minutes(13),
  },
  'start-instance': {
    entry: 'tasks/instance/start-instance.ts',
    // Starting an instance with encrypted volumes uses the key on the caller's behalf; the restart after
    // a rollback first reads the instance's state.
    grants: [
      ec2Describe('DescribeInstances'), ec2OnLocked(['StartInstances'], ['instance']), denyOnExcluded(['StartInstances'], ['instance']),
      kmsVia('ec2', KMS_TO_ATTACH),
    ],
  },
  'cleanup-created': {
    entry: 'tasks/ebs/cleanup-created.ts',
    environment: ({ scope }) => ({ [RETAIN_DAYS_ENV]: String(retentionDays(scope.node)) }),
    grants: [
      ec2Describe('DescribeSnapshots', 'DescribeVolumes'),
      // Only snapshots this workflow made: never anything else in the account.
      statements(() => [new iam.PolicyStatement({ actions: ['ec2:DeleteSnapshot'], resources: ['*'], conditions: ours })]),
      // Marking what a rollback kept: only the rolled-back and retention keys, only on what this workflow made.
      statements((scope) => [new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn(scope, 'volume'), ec2Arn(scope, 'snapshot')],
        conditions: { ...ours, 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.rolledBack, TAG.retainUntil] }, Null: { 'aws:TagKeys': 'false' } },
      })]),
    ],
  },
  'build-report': { entry: 'tasks/ebs/build-report.ts', grants: [] },
  'rollback-volume': {
    entry: 'tasks/ebs/rollback-volume.ts',
    grants: [ec2Describe('DescribeVolumes', 'DescribeInstances'), ...swapGrants('DeleteTags')],
  },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
  // Reads only: the report of what rollback left (the cleanup before it tagged what was kept).
  'finish-rollback': { entry: 'tasks/ebs/finish-rollback.ts', grants: [ec2Describe('DescribeInstances', 'DescribeVolumes')] },
};

function resourcesOf(scope: Construct, props: EncryptVolumesProps): EncryptVolumesResources {
  return {
    restartRetry: restartRetryOf(scope, props),
    // The one approval topic (block-source-ip publishes to it too): in the root stack, never in this workflow's nested stack.
    approvalTopic: props.approvalTopic ?? new sns.Topic(rootScopeOf(scope), 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
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
  resources: resourcesOf,
  definition: (scope, fns, resources, kit) => buildEncryptVolumesDefinition(scope, fns, resources.approvalTimeout, kit, { restartRetry: resources.restartRetry }),
  // One remediation per instance at a time, whichever workflow it is.
  // The instance is tagged with the lock when it is taken, each original volume once the plan proceeds.
  lock: { targetPath: '$.request.instanceId', resourcesPath: '$.plan.volumes[*].volumeId' },
  // Input approval: true pauses for a person; the kit makes the plan again after the answer and compares.
  approval: true,
});
