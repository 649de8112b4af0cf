import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { NO_SUBSCRIBERS_MESSAGE, parseSubscriber, subscribeApprovers } from '../../infra/kit/approval';
import { RemediationStack } from '../../infra/stack';
import { TEST_APPROVAL_SUBSCRIBER } from './context';
import { CDK_CONTEXT, ENV, resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

const GIVEN_SUBSCRIBERS = ['secops@example.com', 'https://hooks.example.com/approvals', 'arn:aws:sqs:us-east-1:123456789012:approvals'];

/** A bare stack with the approval topic and its subscribers: milliseconds, no app. */
function subscribed(subscribers: string[]): Template {
  const stack = new Stack(new App(), 'ApprovalTest', { env: ENV });
  subscribeApprovers(stack, new sns.Topic(stack, 'ApprovalRequests'), subscribers);
  return Template.fromStack(stack);
}

describe('approval subscribers (CDK context approval.subscribers)', () => {
  it('subscribes each email address, HTTPS URL and SQS queue to the approval topic', () => {
    const template = subscribed(GIVEN_SUBSCRIBERS);

    const subscriptions = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).map((r) => r.Properties);
    expect(subscriptions).toEqual([
      { Protocol: 'email', Endpoint: 'secops@example.com', TopicArn: { Ref: expect.stringMatching(/^ApprovalRequests/) } },
      { Protocol: 'https', Endpoint: 'https://hooks.example.com/approvals', TopicArn: { Ref: expect.stringMatching(/^ApprovalRequests/) } },
      { Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:123456789012:approvals', TopicArn: { Ref: expect.stringMatching(/^ApprovalRequests/) }, RawMessageDelivery: false },
    ]);
    // An imported queue's policy is its owner's to change (docs/approval.md says what to add).
    expect(resourcesOf(template, 'AWS::SQS::QueuePolicy')).toEqual({});
  });

  it.each(['http://hooks.example.com/approvals', 'secops', 'arn:aws:sns:us-east-1:123456789012:t', ''])('refuses %j, naming it', (text) => {
    expect(() => parseSubscriber(text)).toThrow(`approval.subscribers: ${JSON.stringify(text)} is not an email address, an https:// URL or an SQS queue ARN`);
  });

  it('synthesis fails with what to set when the triage policy asks for approval and nobody is subscribed', () => {
    const noSubscribers = { ...CDK_CONTEXT, approval: { subscribers: [] }, [cxapi.BUNDLING_STACKS]: [] };

    expect(() => new RemediationStack(new App({ context: noSubscribers }), 'NoApprovers', { env: ENV })).toThrow(NO_SUBSCRIBERS_MESSAGE(['encrypt-volumes', 'contain-principal', 'isolate-instance']));
    const cdkJson: Record<string, unknown> = { ...noSubscribers };
    delete cdkJson.approval; // cdk.json as committed: no approval key at all
    expect(() => new RemediationStack(new App({ context: cdkJson }), 'CdkJsonAsIs', { env: ENV })).toThrow(/CDK context approval\.subscribers is empty/);
  });

  it('a policy that never asks for approval needs no subscriber', () => {
    const context = { ...CDK_CONTEXT, approval: {}, triage: { policy: { 'encrypt-volumes': 'report', 'enable-flow-logs': 'auto', 'contain-principal': 'report', 'isolate-instance': 'report' } }, [cxapi.BUNDLING_STACKS]: [] };

    const stack = new RemediationStack(new App({ context: { ...context, failedAttempts: { policy: 'report' } } }), 'NoApproval', { env: ENV });

    // Read from the construct tree, nested stacks included: synthesizing the whole app would cost seconds of CPU.
    const subscriptions = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::SNS::Subscription');
    expect(subscriptions.map((s) => s.node.path)).toEqual([]);
    expect(stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::SNS::Topic').length).toBeGreaterThan(0);
    // failedAttempts.policy approval (its default) starts contain-principal asking a person: someone must be subscribed.
    expect(() => new RemediationStack(new App({ context }), 'FailedAttemptsAsk', { env: ENV })).toThrow(NO_SUBSCRIBERS_MESSAGE(['contain-principal']));
  });
});

describe('the RemediationStack', () => {
  let synth: SynthesizedTemplate;
  beforeAll(() => {
    synth = sharedRemediationTemplate();
  });

  it('subscribes the context\'s approvers to encrypt-volumes\' approval topic', () => {
    const topics = Object.keys(resourcesOf(synth.template, 'AWS::SNS::Topic')).filter((id) => id.includes('ApprovalRequests'));
    expect(topics).toHaveLength(1);
    const subscriptions = Object.values(resourcesOf(synth.template, 'AWS::SNS::Subscription')).map((r) => r.Properties)
      .filter((p) => (p.TopicArn as { Ref: string }).Ref === topics[0]);
    expect(subscriptions).toEqual([{ Protocol: 'email', Endpoint: TEST_APPROVAL_SUBSCRIBER, TopicArn: { Ref: topics[0] } }]);
  });

  it('has the RemediationApprovers managed policy: answering and reading this stack\'s executions, nothing else', () => {
    const policies = Object.values(resourcesOf(synth.template, 'AWS::IAM::ManagedPolicy')).map((r) => r.Properties);

    expect(policies).toEqual([{
      ManagedPolicyName: `${synth.stackName}-RemediationApprovers`,
      Description: 'Answer EC2 remediation approvals: read the waiting execution, send its task token answer',
      Path: '/',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AnswerApprovals', Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'], Resource: '*' },
          {
            Sid: 'ReadRemediationExecutions', Effect: 'Allow', Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
            Resource: `arn:aws:states:${ENV.region}:${ENV.account}:execution:remediation-*:*`,
          },
        ],
      },
    }]);
  });
});
