import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AuditTrail, EXECUTION_STATUS_CHANGE, FAILED_STATUSES } from '../../infra/constructs/audit-trail';
import { encryptVolumesSpec } from '../../infra/workflows/encrypt-volumes';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { acknowledgeAcceptedFindings } from '../../infra/nag';

let stack: Stack;
let template: Template;
let machineRef: unknown;
let queueRef: unknown;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'AuditTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const workflow = new RemediationWorkflow(stack, 'EncryptVolumes', encryptVolumesSpec, {});
  const deadLetters = new sqs.Queue(stack, 'DeadLetters', { enforceSSL: true });
  queueRef = stack.resolve(deadLetters.queueName);
  new AuditTrail(stack, 'Audit', { machines: [workflow.machine], retention: logs.RetentionDays.FIVE_YEARS, notificationEmail: 'secops@example.com', deadLetterQueues: [deadLetters] });
  acknowledgeAcceptedFindings(stack);
  machineRef = stack.resolve(workflow.machine.stateMachine.stateMachineArn);
  template = Template.fromStack(stack);
});

describe('audit beyond the 90 days of execution history', () => {
  it('archives every status change of our executions to a log group with the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/remediation/audit/execution-status-changes', RetentionInDays: 1827 });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': [EXECUTION_STATUS_CHANGE], detail: { stateMachineArn: [machineRef] } },
      Targets: [Match.objectLike({ Arn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) })],
    });
  });

  it('notifies the topic of failed, timed-out and aborted executions, naming the command to inspect them', () => {
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { detail: { status: FAILED_STATUSES } } } });
    const [rule] = Object.values(rules) as { Properties: { EventPattern: unknown; Targets: { InputTransformer: { InputTemplate: string } }[] } }[];
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.states'], 'detail-type': [EXECUTION_STATUS_CHANGE], detail: { stateMachineArn: [machineRef], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(rule?.Properties.Targets[0]?.InputTransformer.InputTemplate).toBe('"Remediation execution <detail-name> ended <detail-status>. See it with: remediate show <detail-executionArn>"');
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
  });

  it('the failed-execution alarm notifies the same topic', () => {
    const topics = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'EC2 remediation: failed, timed-out or aborted executions' } }));
    expect(topics).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topics[0] }] });
  });

  it('a message in a dead-letter queue (an event that never reached its state machine) notifies the same topic', () => {
    const topics = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'EC2 remediation: failed, timed-out or aborted executions' } }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' } }));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      Namespace: 'AWS/SQS', Dimensions: [{ Name: 'QueueName', Value: queueRef }], Statistic: 'Maximum', Period: 300,
      Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topics[0] }],
    });
  });

  it('the topic refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets EventBridge publish to the topic only for its NotifyFailures rule, in this account (aws:SourceArn, aws:SourceAccount)', () => {
    // GIVEN the topic and the one rule that targets it
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'EC2 remediation: failed, timed-out or aborted executions' } }));
    const rules = Object.entries(template.findResources('AWS::Events::Rule'))
      .filter(([, r]) => (r.Properties.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify({ Ref: topicId })));
    expect(rules.map(([, r]) => r.Properties.Description)).toEqual(['A remediation execution failed, timed out or was aborted']);
    // WHEN the topic's policy is read
    const all = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const policies = all.filter((p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: topicId }]));
    expect(policies).toHaveLength(1);
    // AND no other topic (the approval requests) lets any service principal publish
    const others = all.filter((p) => p !== policies[0]);
    expect(others).toHaveLength(1);
    expect(others.flatMap((p) => p.Properties.PolicyDocument.Statement as { Principal: unknown }[]).map((st) => st.Principal)).toEqual(['*']);
    // THEN EventBridge is held to exactly that rule, and the target assumes no role (CloudWatch's statement: next test)
    expect((policies[0]!.Properties.PolicyDocument.Statement as { Sid?: string }[]).filter((st) => st.Sid !== 'OurAlarmsPublish')).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: topicId },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'OurRulesPublish', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: topicId },
        Condition: {
          ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': [rules[0]![0], 'Arn'] }] },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        },
      },
    ]);
    expect(rules[0]![1].Properties.Targets[0].RoleArn).toBeUndefined();
  });

  it('lets CloudWatch publish to the topic only for the alarms that notify it, in this account', () => {
    // GIVEN the topic and every alarm whose action is the topic
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'EC2 remediation: failed, timed-out or aborted executions' } }));
    const alarmIds = Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
      .filter(([, a]) => JSON.stringify(a.Properties.AlarmActions) === JSON.stringify([{ Ref: topicId }]))
      .map(([id]) => id);
    expect(alarmIds.length).toBeGreaterThan(1);
    // WHEN the topic's policy is read
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: topicId }]));
    const statement = (policy!.Properties.PolicyDocument.Statement as { Sid?: string }[]).find((st) => st.Sid === 'OurAlarmsPublish');
    // THEN exactly those alarms may publish through CloudWatch
    expect(statement).toEqual({
      Sid: 'OurAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: topicId },
      Condition: {
        ArnEquals: { 'aws:SourceArn': alarmIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      },
    });
  });
});
