import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { stateMachineName } from '../../tasks/lib/names';
import { rootStackOf } from '../kit/root';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { DEFAULT_TRIAGE_POLICY, type TriageDecision } from '../../tasks/triage/lib/policy';
import { START_INSTANCES_PATTERN, TRIAGE_COMMENT, buildTriageDefinition, type TriageTask } from '../../workflows/triage-start-instances';
import { allowedPortsSchema } from '../../tasks/security-groups/lib/schema';
import { ConfigurationError } from '../kit/context';
import { ec2Describe } from '../kit/grants';
import { alarmArnPattern, alarmPrefixFinding } from './high-cpu';
import { defineWorkflow, type TaskSpec } from '../kit/spec';


export interface TriageProps {
  /** Child workflows triage may start, by workflow name. */
  children: Record<string, sfn.IStateMachine>;
  /** Roles our workflows start instances with: their StartInstances events are not triaged (no loops). */
  ourRoles: iam.IRole[];
  /** Per child workflow: start it asking a person first (`approval`, the default), start it (`auto`), or only report (`report`). */
  policy?: Record<string, TriageDecision>;
  /** ARN prefixes of principals allowed to start instances; empty = everyone (no finding). */
  allowedPrincipals?: string[];
  /**
   * CDK context triage.restrictSecurityGroups: what the restrict-security-groups runs triage starts are given.
   * `allowedPorts` (default none): world-open rules on these ports are kept, e.g. [443] for public web servers.
   */
  restrictSecurityGroups?: { allowedPorts?: number[] };
  /** CDK context containPrincipal.protectedRoleArns: roles triage never starts contain-principal for (it refuses them too). */
  protectedRoleArns?: string[];
}

/** triage.restrictSecurityGroups.allowedPorts, checked as restrict's own input checks it: a bad value stops synthesis. */
export function restrictAllowedPorts(setting: unknown): number[] {
  if (setting === undefined) return [];
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) {
    throw new ConfigurationError(`CDK context triage.restrictSecurityGroups must be an object such as {"allowedPorts": [443]}, got ${JSON.stringify(setting)}`);
  }
  const { allowedPorts, ...rest } = setting as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new ConfigurationError(`CDK context triage.restrictSecurityGroups has unknown keys: ${Object.keys(rest).join(', ')}`);
  if (allowedPorts === undefined) return [];
  const parsed = allowedPortsSchema.safeParse(allowedPorts);
  if (!parsed.success) {
    throw new ConfigurationError(`CDK context triage.restrictSecurityGroups.allowedPorts must be a list of at most 100 ports (integers 0-65535), got ${JSON.stringify(allowedPorts)}`);
  }
  return [...new Set(parsed.data)].sort((a, b) => a - b);
}

export interface TriageResources extends TriageProps {
  /** Events the rule could not deliver to the state machine after its retries. */
  deadLetterQueue: sqs.Queue;
}

/**
 * Triage's own state machine, by the name the kit gives it: built from the name, not referenced, because the
 * machine's definition refers to the function that would otherwise refer back to the machine (a cycle).
 */
export const triageStateMachineArn = (scope: Construct): string => Stack.of(scope).formatArn({
  service: 'states', resource: 'stateMachine', resourceName: stateMachineName(WORKFLOW.triageStartInstances), arnFormat: ArnFormat.COLON_RESOURCE_NAME,
});

const childArns = (resources: TriageResources) =>
  Object.fromEntries(Object.entries(resources.children).map(([name, machine]) => [name, machine.stateMachineArn]));

export const TRIAGE_TASK_SPECS: Record<TriageTask, TaskSpec<TriageResources>> = {
  'parse-start-event': {
    entry: 'tasks/triage/parse-start-event.ts',
    grants: [],
    environment: ({ scope, resources }) => ({
      OUR_ROLE_ARNS: resources.ourRoles.map((r) => r.roleArn).join(','),
      // Lambda sets AWS_REGION but has no variable for the account.
      STACK_ACCOUNT_ID: Stack.of(scope).account,
      // Whether to start contain-principal for the event's principal: the allow-list, the policy, and never the stack's own roles.
      ALLOWED_PRINCIPALS: (resources.allowedPrincipals ?? []).join(','),
      TRIAGE_POLICY: JSON.stringify(resources.policy ?? DEFAULT_TRIAGE_POLICY),
      // The root stack's name: every role of every nested stack is named after it (a nested stack's own name is longer).
      OWN_ROLE_PREFIX: `${rootStackOf(scope).stackName}-`,
      PROTECTED_ROLE_ARNS: (resources.protectedRoleArns ?? []).join(','),
    }),
  },
  'start-chunk-triages': {
    entry: 'tasks/triage/start-chunk-triages.ts',
    // Only triage itself: the children it starts for the further chunks of a large event.
    grants: [({ scope }) => [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [triageStateMachineArn(scope)] })]],
    environment: ({ scope }) => ({ TRIAGE_STATE_MACHINE_ARN: triageStateMachineArn(scope) }),
  },
  'assess-instance': {
    entry: 'tasks/triage/assess-instance.ts',
    grants: [ec2Describe('DescribeInstances', 'DescribeVolumes', 'DescribeSecurityGroups', 'DescribeFlowLogs', 'GetEbsEncryptionByDefault'),
      // Whether the instance has high-cpu's alarm: that workflow's alarms only, by name prefix.
      ({ scope }) => [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [alarmArnPattern(scope)] })]],
    environment: ({ resources }) => ({
      ALLOWED_PRINCIPALS: (resources.allowedPrincipals ?? []).join(','),
      TRIAGE_POLICY: JSON.stringify(resources.policy ?? DEFAULT_TRIAGE_POLICY),
    }),
  },
  'start-child': {
    entry: 'tasks/triage/start-child.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: Object.values(childArns(resources)) })]],
    environment: ({ scope, resources }) => ({
      CHILD_STATE_MACHINES: Stack.of(scope).toJsonString(childArns(resources)),
      RESTRICT_ALLOWED_PORTS: JSON.stringify(restrictAllowedPorts(resources.restrictSecurityGroups)),
    }),
  },
  'build-triage-report': { entry: 'tasks/triage/build-triage-report.ts', grants: [] },
};

/** The StartInstances trigger: an EventBridge rule (retry + DLQ) feeding the triage state machine. */
export const triageSpec = defineWorkflow<TriageTask, TriageResources, TriageProps>({
  name: WORKFLOW.triageStartInstances,
  comment: TRIAGE_COMMENT,
  timeout: Duration.hours(1),
  tasks: TRIAGE_TASK_SPECS,
  resources: (scope, props) => ({
    ...props,
    deadLetterQueue: new sqs.Queue(scope, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) }),
  }),
  definition: buildTriageDefinition,
  attach: (scope, stateMachine, resources) => {
    new events.Rule(scope, 'StartInstances', {
      description: 'CloudTrail StartInstances (any identity, failed attempts too) -> triage',
      eventPattern: {
        source: START_INSTANCES_PATTERN.source as string[],
        detailType: START_INSTANCES_PATTERN['detail-type'] as string[],
        detail: START_INSTANCES_PATTERN.detail as Record<string, string[]>,
      },
      targets: [new targets.SfnStateMachine(stateMachine, { deadLetterQueue: resources.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  },
  acceptedFindings: [{
    rule: 'AwsSolutions-SQS3',
    // cdk-nag recognizes a dead-letter queue only when another queue's RedrivePolicy or a Lambda's
    // DeadLetterConfig names it; it does not see an EventBridge rule target's DeadLetterConfig.
    reason: 'This queue is the dead-letter queue of the StartInstances rule\'s Step Functions target (DeadLetterConfig); ' +
      'a dead-letter queue needs no dead-letter queue of its own.',
    resource: (node) => node instanceof sqs.CfnQueue && node.node.scope?.node.id === 'DeadLetters',
  }, alarmPrefixFinding(
    "assess-instance asks whether the started instance has high-cpu's alarm (named by its instance id); it may read only alarms of high-cpu's prefix.",
    ['cloudwatch:DescribeAlarms'],
  )],
});
