import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildContainPrincipalDefinition, type ContainPrincipalTask } from '../../workflows/contain-principal';
import { rootStackOf } from '../kit/root';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import {
  CONTAIN_PRINCIPAL_FINDINGS, PrincipalCaseTable, caseAccess, caseEnvironment, principalChange, principalRead,
  type ContainPrincipalProps, type ContainPrincipalResources,
} from './contain-principal-grants';

const READ_STATE = principalRead(['GetUser', 'ListAccessKeys', 'ListUserPolicies', 'GetRole', 'ListRolePolicies'], ['user', 'role']);
const READ_POLICY = principalRead(['GetUserPolicy', 'GetRolePolicy'], ['user', 'role']);

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const CONTAIN_PRINCIPAL_TASK_SPECS: Record<ContainPrincipalTask, TaskSpec<ContainPrincipalResources>> = {
  'validate-contain-input': {
    entry: 'tasks/principal/validate-contain-input.ts',
    environment: (ctx) => ({ ...caseEnvironment(ctx), STACK_ACCOUNT_ID: Stack.of(ctx.scope).account }),
    grants: [caseAccess('GetItem')],
  },
  'plan-containment': {
    entry: 'tasks/principal/plan-containment.ts',
    environment: (ctx) => ({
      ...caseEnvironment(ctx), CONTAIN_OWN_ROLE_PREFIX: ctx.resources.ownRolePrefix, CONTAIN_OWN_ROLE_ARNS: (ctx.resources.protectedRoleArns ?? []).join(','),
    }),
    grants: [READ_STATE, caseAccess('GetItem')],
  },
  'save-case': { entry: 'tasks/principal/save-case.ts', environment: caseEnvironment, grants: [caseAccess('PutItem')] },
  'apply-containment': {
    entry: 'tasks/principal/apply-containment.ts',
    environment: caseEnvironment,
    grants: [principalChange(['UpdateAccessKey', 'PutUserPolicy'], ['user']), principalChange(['PutRolePolicy'], ['role']), caseAccess('UpdateItem')],
  },
  'verify-principal': { entry: 'tasks/principal/verify-principal.ts', grants: [READ_STATE, READ_POLICY] },
  'notify-root': {
    entry: 'tasks/principal/notify-root.ts',
    environment: ({ resources }) => ({ CONTAIN_NOTIFICATION_TOPIC_ARN: resources.notificationTopicArn }),
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.notificationTopicArn] })]],
  },
  'release-keys': {
    entry: 'tasks/principal/release-keys.ts',
    environment: caseEnvironment,
    grants: [principalChange(['UpdateAccessKey'], ['user']), caseAccess('UpdateItem')],
  },
  'remove-session-deny': {
    entry: 'tasks/principal/remove-session-deny.ts',
    environment: caseEnvironment,
    grants: [READ_POLICY, principalChange(['DeleteUserPolicy'], ['user']), principalChange(['DeleteRolePolicy'], ['role']), caseAccess('GetItem', 'UpdateItem')],
  },
  'build-contain-report': { entry: 'tasks/principal/build-contain-report.ts', grants: [] },
  'request-approval': {
    entry: 'tasks/approval/request-approval.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [resources.approvalTopic.topicArn] })]],
    environment: ({ resources }) => ({ APPROVAL_TOPIC_ARN: resources.approvalTopic.topicArn }),
  },
  // Executes the answer's presigned STS request (plain HTTPS, authorized by the approver's own signature): no IAM action.
  'verify-approver': { entry: 'tasks/approval/verify-approver.ts', grants: [] },
};

const resourcesOf = (scope: Construct, props: ContainPrincipalProps): ContainPrincipalResources => ({
  ...props, table: PrincipalCaseTable.of(scope).table, // The deployed (root) stack's name: every role of the deployment, nested stacks' included, starts with it.
  ownRolePrefix: `${rootStackOf(scope).stackName}-`,
  approvalTopic: props.approvalTopic ?? new sns.Topic(scope, 'ApprovalRequests', { displayName: 'EC2 remediation: approval requests', enforceSSL: true }),
});

/** contain-principal: the key used Inactive and older sessions denied, after saving the prior state; release undoes it. */
export const containPrincipalSpec = defineWorkflow<ContainPrincipalTask, ContainPrincipalResources, ContainPrincipalProps>({
  name: WORKFLOW.containPrincipal,
  comment: COMMENT,
  // A release waits for the stolen sessions to expire (at most 36 h for a user's session token) before removing the deny.
  timeout: Duration.hours(40),
  tasks: CONTAIN_PRINCIPAL_TASK_SPECS,
  resources: resourcesOf,
  definition: (scope, fns, _resources, kit) => buildContainPrincipalDefinition(scope, fns, kit),
  // The principal (its ARN without path): a contain and a release of one principal never overlap; released before the Wait.
  lock: { targetPath: '$.lockTarget' },
  acceptedFindings: CONTAIN_PRINCIPAL_FINDINGS,
  // Input approval: true (triage's policy `approval`) asks a person first; after the answer the plan is made again and compared.
  approval: true,
});
