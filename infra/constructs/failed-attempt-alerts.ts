import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type Node } from 'constructs';
import { FAILED_ATTEMPT_PATTERN, failedAttemptsSettingsSchema, type FailedAttemptsSettings } from '../../tasks/alerts/lib/failed-attempts';
import { ConfigurationError, contextObject } from '../kit/context';
import { rootSingleton, rootStackOf } from '../kit/root';
import { stackOwnedTable } from '../kit/tables';
import type { TriageDecision } from '../../tasks/triage/lib/policy';
import type { AcceptedFinding, AcceptsFindings } from '../nag';
import { TaskFunction } from './task-function';

export const FAILED_ATTEMPT_HANDLER = 'tasks/alerts/failed-attempt.ts';

/**
 * CDK context `failedAttempts` ({threshold, windowMinutes, alertWindowMinutes, policy}, all optional), checked
 * with the handler's own schema: a bad value stops synthesis.
 */
export function failedAttemptsSettings(node: Node): FailedAttemptsSettings {
  const parsed = failedAttemptsSettingsSchema.safeParse(contextObject(node, 'failedAttempts'));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown keys ${i.keys.join(', ')}` : `${i.path.join('.') || '(object)'}: ${i.message}`)).join('; ');
    throw new ConfigurationError(`CDK context failedAttempts is invalid (${problems}); expected e.g. {"threshold": 5, "windowMinutes": 10, "alertWindowMinutes": 60, "policy": "approval"}`);
  }
  return parsed.data;
}

/** The deployment's table of alert windows and failed-attempt counts (TTL tidies it), created once in the root stack. */
export class FailedAttemptTable extends Construct {
  static readonly ID = 'FailedAttempts';
  readonly table: dynamodb.Table;

  static of(scope: Construct): FailedAttemptTable {
    return rootSingleton(scope, FailedAttemptTable.ID, (root, id) => new FailedAttemptTable(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stackOwnedTable(this, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      // Counters and windows only: nothing here outlives an hour's worth of alerts.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

export interface FailedAttemptAlertsProps {
  /** The notifications topic (the audit trail's: given lazily, as the trail is made after the workflows). */
  notificationTopicArn: string;
  containStateMachine: sfn.IStateMachine;
  /** isolate-instance: started at the threshold for the instances the refused calls targeted. */
  isolateStateMachine: sfn.IStateMachine;
  settings: FailedAttemptsSettings;
  /** CDK context triage.policy's isolate-instance entry (its default: approval); isolations take the stricter of it and settings.policy. */
  isolatePolicy: TriageDecision;
  /** CDK context containPrincipal.protectedRoleArns: never contained. */
  protectedRoleArns?: string[];
}

/**
 * Issue 10 items 4 and 5: refused EC2 start/run/modify calls (CloudTrail via EventBridge, retried, dead letters
 * kept) -> a function that alerts the notifications topic once per source IP per window and, at N refusals by
 * one principal in M minutes, starts contain-principal once under the policy and isolate-instance once per
 * instance the refused calls targeted.
 */
export class FailedAttemptAlerts extends Construct implements AcceptsFindings {
  readonly function: TaskFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly acceptedFindings: readonly AcceptedFinding[] = [{
    rule: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue of the refused-EC2-calls rule\'s Lambda target (DeadLetterConfig); a dead-letter queue needs none of its own.',
    resource: (node) => node instanceof sqs.CfnQueue && node.node.scope?.node.id === 'DeadLetters',
  }];

  constructor(scope: Construct, id: string, props: FailedAttemptAlertsProps) {
    super(scope, id);
    this.table = FailedAttemptTable.of(this).table;
    this.function = new TaskFunction(this, 'Alert', {
      entry: FAILED_ATTEMPT_HANDLER,
      statements: [
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:Query'], resources: [this.table.tableArn] }),
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.notificationTopicArn] }),
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [props.containStateMachine.stateMachineArn, props.isolateStateMachine.stateMachineArn] }),
        // Which targeted instances exist, their state and exclusion tag. Describe* has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      ],
      environment: {
        ALERT_TABLE_NAME: this.table.tableName,
        NOTIFICATION_TOPIC_ARN: props.notificationTopicArn,
        CONTAIN_STATE_MACHINE_ARN: props.containStateMachine.stateMachineArn,
        ISOLATE_STATE_MACHINE_ARN: props.isolateStateMachine.stateMachineArn,
        ISOLATE_POLICY: props.isolatePolicy,
        FAILED_ATTEMPTS: JSON.stringify(props.settings),
        STACK_ACCOUNT_ID: Stack.of(this).account,
        OWN_ROLE_PREFIX: `${rootStackOf(this).stackName}-`,
        PROTECTED_ROLE_ARNS: (props.protectedRoleArns ?? []).join(','),
      },
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.rule = new events.Rule(this, 'RefusedEc2Calls', {
      description: 'CloudTrail: EC2 start/run/modify calls refused (UnauthorizedOperation, AccessDenied) -> alert, and contain and isolate at the threshold',
      eventPattern: {
        source: FAILED_ATTEMPT_PATTERN.source as string[],
        detailType: FAILED_ATTEMPT_PATTERN['detail-type'] as string[],
        detail: FAILED_ATTEMPT_PATTERN.detail as Record<string, unknown[]>,
      },
      targets: [new targets.LambdaFunction(this.function.fn, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}
