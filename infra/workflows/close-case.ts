import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { RETAIN_DAYS_ENV } from '../../tasks/lib/retention';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { CASE_TABLE_ENV } from '../../tasks/principal/lib/case-store';
import { COMMENT, buildCloseCaseDefinition, type CloseCaseTask } from '../../workflows/close-case';
import { retentionDays } from '../kit/context';
import { ec2Arn, ec2Describe } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { PrincipalCaseTable } from './contain-principal-grants';

export interface CloseCaseProps {
  /** Where approval requests go (input `approval: true`); a topic of its own when not given. */
  approvalTopic?: sns.ITopic;
}
export interface CloseCaseResources {
  /** contain-principal's case table (read only): a case still containing its principal is not closed without `force`. */
  table: dynamodb.ITable;
  approvalTopic: sns.ITopic;
}

/** The only two keys close-case sets. */
export const CLOSE_TAG_KEYS = [TAG.caseClosed, TAG.retainUntil] as const;

/**
 * Tagging a forensic snapshot (one carrying `remediation:case`) with the two closure keys and nothing else; an explicit
 * Deny on a snapshot an operator holds (`remediation:hold=true`): its tags are never changed.
 */
const tagCaseSnapshots: Grant<CloseCaseResources> = ({ scope }) => {
  const resources = [ec2Arn(scope, 'snapshot')];
  const actions = ['ec2:CreateTags'];
  return [
    new iam.PolicyStatement({
      actions, resources,
      conditions: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...CLOSE_TAG_KEYS] },
        Null: { 'aws:TagKeys': 'false', [`aws:ResourceTag/${TAG.case}`]: 'false' },
      },
    }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources, conditions: { StringEqualsIgnoreCase: { [`aws:ResourceTag/${TAG.hold}`]: 'true' } } }),
  ];
};

const readCaseRecord: Grant<CloseCaseResources> = ({ resources }) => [new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [resources.table.tableArn] })];

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const CLOSE_CASE_TASK_SPECS: Record<CloseCaseTask, TaskSpec<CloseCaseResources>> = {
  'validate-close-input': { entry: 'tasks/case/validate-close-input.ts', grants: [] },
  'plan-closure': {
    entry: 'tasks/case/plan-closure.ts',
    environment: ({ resources }) => ({ [CASE_TABLE_ENV]: resources.table.tableName }),
    grants: [ec2Describe('DescribeSnapshots', 'DescribeInstances'), readCaseRecord],
  },
  'close-snapshots': {
    entry: 'tasks/case/close-snapshots.ts',
    environment: ({ scope }) => ({ [RETAIN_DAYS_ENV]: String(retentionDays(scope.node)) }),
    grants: [ec2Describe('DescribeSnapshots'), tagCaseSnapshots],
  },
  'verify-closure': { entry: 'tasks/case/verify-closure.ts', grants: [ec2Describe('DescribeSnapshots')] },
  'build-close-report': { entry: 'tasks/case/build-close-report.ts', grants: [] },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

const resourcesOf = (scope: Construct, props: CloseCaseProps): CloseCaseResources => ({
  table: PrincipalCaseTable.of(scope).table,
  approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
});

/** close-case: marks a case's forensic snapshots closed (case-closed, retain-until), so expire-retained may delete them later. */
export const closeCaseSpec = defineWorkflow<CloseCaseTask, CloseCaseResources, CloseCaseProps>({
  name: WORKFLOW.closeCase,
  comment: COMMENT,
  // An approval waits at most a day (the kit's approval timeout); tagging takes seconds.
  timeout: Duration.hours(26),
  tasks: CLOSE_CASE_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, _resources, kit) => buildCloseCaseDefinition(scope, fns, kit),
  // One closure of a case at a time: <account>/<region>/close-case/<caseId> (account-level: nothing is lock-tagged).
  lock: { targetPath: '$.lockTarget' },
  approval: true,
});
