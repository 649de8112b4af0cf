import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AcceptedFinding } from '../nag';
import type { RemediationStateMachine } from './remediation-state-machine';

export interface AuditTrailProps {
  machines: RemediationStateMachine[];
  /** Step Functions keeps history 90 days after an execution closes; this log keeps every status change this long. */
  retention?: logs.RetentionDays;
  /** Optional address subscribed to the notification topic. */
  notificationEmail?: string;
  /** Queues of events that could not be delivered (the StartInstances rule's DLQ): a message in one notifies. */
  deadLetterQueues?: sqs.IQueue[];
  /** Name prefixes of the alarms workflows create at run time (high-cpu's), which may notify the topic too. */
  workflowAlarmPrefixes?: string[];
}

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
export const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * A log-group target makes CDK install the log group's resource policy through its own one-off custom
 * resource, a child of the stack: these findings are accepted on it, with the reason, and nowhere else.
 */
export const AUDIT_TRAIL_ACCEPTED_FINDINGS: AcceptedFinding[] = [
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'logs:PutResourcePolicy/DeleteResourcePolicy support no resource-level permissions; the CDK custom resource only installs the policy that lets EventBridge write the audit log group.',
    resource: (node) => node.node.scopes.some((c) => c.node.scope === Stack.of(node) && c.node.id.startsWith('EventsLogGroupPolicy')),
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "CDK's singleton custom-resource function (runs at deploy time only) writes its own logs with the AWS basic execution policy.",
    resource: (node) => node.node.scopes.some((c) => c.node.scope === Stack.of(node) && c.node.id === 'AWS679f53fac002430cb0da5b7982bd2287'),
  },
];

/**
 * The SNS target without its grant: `targets.SnsTopic` lets `events.amazonaws.com` publish for any rule
 * of any account (no aws:SourceArn); allowToPublish names the rules instead.
 */
const topicTarget = (topic: sns.ITopic, message: events.RuleTargetInput): events.IRuleTarget => ({
  bind: () => ({ arn: topic.topicArn, input: message }),
});

/**
 * A service may publish to the topic only for these sources of this account (the confused-deputy guard):
 * EventBridge for our rules, CloudWatch for our alarms. The topic's policy replaces SNS's default one
 * (which lets the owner account publish), so each service that notifies needs its statement here.
 */
function allowToPublish(topic: sns.Topic, sid: string, service: string, sourceArns: string[], match: 'ArnEquals' | 'ArnLike' = 'ArnEquals'): void {
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      [match]: { 'aws:SourceArn': sourceArns },
      StringEquals: { 'aws:SourceAccount': Stack.of(topic).account },
    },
  }));
}

/**
 * Audit beyond Step Functions' 90 days: every status change of our executions goes to a
 * long-retention log group; failed, timed-out and aborted ones (and the failure alarms)
 * notify an SNS topic.
 */
export class AuditTrail extends Construct {
  readonly topic: sns.Topic;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: 'EC2 remediation: failed, timed-out or aborted executions',
      enforceSSL: true,
    });
    if (props.notificationEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
    this.logGroup = new logs.LogGroup(this, 'ExecutionStatusChanges', {
      logGroupName: '/remediation/audit/execution-status-changes',
      retention: props.retention ?? logs.RetentionDays.TEN_YEARS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stateMachineArn = props.machines.map((m) => m.stateMachine.stateMachineArn);
    new events.Rule(this, 'ArchiveStatusChanges', {
      description: 'Every status change of a remediation execution, kept beyond the 90 days of execution history',
      eventPattern: { source: ['aws.states'], detailType: [EXECUTION_STATUS_CHANGE], detail: { stateMachineArn } },
      // The resource policy is installed with Lambda's own SDK: no download at deploy time.
      targets: [new targets.CloudWatchLogGroup(this.logGroup, { installLatestAwsSdk: false })],
    });
    const notifyFailures = new events.Rule(this, 'NotifyFailures', {
      description: 'A remediation execution failed, timed out or was aborted',
      eventPattern: { source: ['aws.states'], detailType: [EXECUTION_STATUS_CHANGE], detail: { stateMachineArn, status: FAILED_STATUSES } },
      targets: [topicTarget(this.topic, events.RuleTargetInput.fromText(
        `Remediation execution ${events.EventField.fromPath('$.detail.name')} ended ${events.EventField.fromPath('$.detail.status')}. ` +
        `See it with: remediate show ${events.EventField.fromPath('$.detail.executionArn')}`,
      ))],
    });
    allowToPublish(this.topic, 'OurRulesPublish', 'events.amazonaws.com', [notifyFailures.ruleArn]);
    const alarms: cloudwatch.Alarm[] = props.machines.map((machine) => machine.failedAlarm);
    // An event that never reached triage is a StartInstances nobody looked at.
    (props.deadLetterQueues ?? []).forEach((queue, i) => {
      alarms.push(new cloudwatch.Alarm(this, `DeadLetters${i}`, {
        alarmDescription: `${queue.queueName}: an event could not be delivered to its state machine after every retry`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    });
    for (const alarm of alarms) alarm.addAlarmAction(new actions.SnsAction(this.topic));
    allowToPublish(this.topic, 'OurAlarmsPublish', 'cloudwatch.amazonaws.com', alarms.map((alarm) => alarm.alarmArn));
    const prefixes = props.workflowAlarmPrefixes ?? [];
    if (prefixes.length > 0) {
      const stack = Stack.of(this);
      // Named at run time (per instance): matched by prefix, still only this account's and region's alarms.
      allowToPublish(this.topic, 'WorkflowAlarmsPublish', 'cloudwatch.amazonaws.com',
        prefixes.map((prefix) => `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${prefix}*`), 'ArnLike');
    }
  }
}
