import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { START_INSTANCES_PATTERN, TRIAGE_COMMENT, TRIAGE_TASKS, buildTriageDefinition, type TriageTask } from '../../workflows/triage-start-instances';
import { RemediationStateMachine } from './remediation-state-machine';
import { TaskFunction } from './task-function';

export type TriageDecision = 'auto' | 'approval' | 'report';

export interface TriageWorkflowProps {
  /** Child workflows triage may start, by workflow name. */
  children: Record<string, sfn.IStateMachine>;
  /** Roles our workflows start instances with: their StartInstances events are not triaged (no loops). */
  ourRoles: iam.IRole[];
  /** Per child workflow: start it asking a person first (`approval`, the default), start it (`auto`), or only report (`report`). */
  policy?: Record<string, TriageDecision>;
  /** ARN prefixes of principals allowed to start instances; empty = everyone (no finding). */
  allowedPrincipals?: string[];
}

/** The StartInstances trigger: an EventBridge rule (retry + DLQ) feeding the triage state machine. */
export class TriageWorkflow extends Construct {
  readonly machine: RemediationStateMachine;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly functions: Record<TriageTask, TaskFunction>;

  constructor(scope: Construct, id: string, props: TriageWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const describe = new iam.PolicyStatement({
      // EC2 Describe* support no resource-level permissions.
      actions: ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSecurityGroups', 'ec2:DescribeFlowLogs'],
      resources: ['*'],
    });
    const childArns = Object.fromEntries(Object.entries(props.children).map(([name, machine]) => [name, machine.stateMachineArn]));
    const specs: Record<TriageTask, { entry: string; statements: iam.PolicyStatement[]; environment?: Record<string, string> }> = {
      'parse-start-event': { entry: 'tasks/triage/parse-start-event.ts', statements: [], environment: { OUR_ROLE_ARNS: props.ourRoles.map((r) => r.roleArn).join(',') } },
      'assess-instance': {
        entry: 'tasks/triage/assess-instance.ts',
        statements: [describe],
        environment: { ALLOWED_PRINCIPALS: (props.allowedPrincipals ?? []).join(','), TRIAGE_POLICY: JSON.stringify(props.policy ?? { 'encrypt-volumes': 'approval', 'enable-flow-logs': 'auto' }) },
      },
      'start-child': {
        entry: 'tasks/triage/start-child.ts',
        statements: [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: Object.values(childArns) })],
        environment: { CHILD_STATE_MACHINES: stack.toJsonString(childArns) },
      },
      'build-triage-report': { entry: 'tasks/triage/build-triage-report.ts', statements: [] },
    };
    const functions = {} as Record<TriageTask, TaskFunction>;
    const fns = {} as Record<TriageTask, IFunction>;
    for (const task of TRIAGE_TASKS) {
      const spec = specs[task];
      functions[task] = new TaskFunction(this, task, { entry: spec.entry, statements: spec.statements, ...(spec.environment ? { environment: spec.environment } : {}) });
      fns[task] = functions[task].fn;
    }
    this.functions = functions;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: 'triage-start-instances',
      definition: buildTriageDefinition(this, fns),
      comment: TRIAGE_COMMENT,
      timeout: Duration.hours(1),
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // cdk-nag recognizes a dead-letter queue only when another queue's RedrivePolicy or a Lambda's
    // DeadLetterConfig names it; it does not see the rule target's DeadLetterConfig below.
    Validations.of(this.deadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the StartInstances rule\'s Step Functions target (DeadLetterConfig); ' +
        'a dead-letter queue needs no dead-letter queue of its own.',
    });
    this.rule = new events.Rule(this, 'StartInstances', {
      description: 'CloudTrail StartInstances (any identity, failed attempts too) -> triage',
      eventPattern: {
        source: START_INSTANCES_PATTERN.source as string[],
        detailType: START_INSTANCES_PATTERN['detail-type'] as string[],
        detail: START_INSTANCES_PATTERN.detail as Record<string, string[]>,
      },
      targets: [new targets.SfnStateMachine(this.machine.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      })],
    });
  }
}
