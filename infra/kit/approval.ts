import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STATE_MACHINE_PREFIX } from '../../tasks/lib/names';
import { effectivePolicy, type TriageDecision, type TriagePolicy } from '../../tasks/triage/lib/policy';
import { ConfigurationError } from './context';
import { REGION, actionsOf, onAnyResource, type AcceptedFinding, type AcceptsFindings } from '../nag';

/** CDK context `approval`: who receives approval requests (docs/approval.md). */
export interface ApprovalSettings {
  /** Email addresses, HTTPS URLs and SQS queue ARNs subscribed to the approval topic. */
  subscribers?: string[];
}

export const NO_SUBSCRIBERS_MESSAGE = (workflows: string[]) =>
  `the triage policy asks for approval (${workflows.join(', ')}) but CDK context approval.subscribers is empty: nobody would `
  + 'receive the requests and every run would time out as rejected. Set it in cdk.json or with '
  + '-c \'approval={"subscribers":["secops@example.com"]}\' (email addresses, https:// URLs, SQS queue ARNs), or set triage.policy to "auto" or "report".';

/** The workflows the triage policy starts with `approval`, an entry it omits counting as its default (as triage applies it). */
export const approvalWorkflows = (policy: Record<string, TriageDecision> | undefined): string[] =>
  Object.entries(effectivePolicy(policy as TriagePolicy | undefined)).filter(([, decision]) => decision === 'approval').map(([workflow]) => workflow);

/** Fails synthesis when a policy asks for approval and nobody would be asked. */
export function requireApprovalSubscribers(policy: Record<string, TriageDecision> | undefined, settings: ApprovalSettings): string[] {
  const subscribers = (settings.subscribers ?? []).map((s) => s.trim()).filter(Boolean);
  const asking = approvalWorkflows(policy);
  if (asking.length > 0 && subscribers.length === 0) throw new ConfigurationError(NO_SUBSCRIBERS_MESSAGE(asking));
  return subscribers;
}

type Subscriber = { kind: 'email' | 'https' | 'sqs'; endpoint: string };

/** An email address, an https:// URL or an SQS queue ARN; anything else fails synthesis, naming it. */
export function parseSubscriber(text: string): Subscriber {
  if (/^https:\/\/[^\s/]+/.test(text)) return { kind: 'https', endpoint: text };
  if (/^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(text)) return { kind: 'sqs', endpoint: text };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) return { kind: 'email', endpoint: text };
  throw new ConfigurationError(`approval.subscribers: ${JSON.stringify(text)} is not an email address, an https:// URL or an SQS queue ARN`);
}

/**
 * The approval topic's subscriptions. An SQS queue of this stack's account gets SNS's send right from
 * the subscription only if the queue is ours; an imported queue's owner adds the policy statement
 * (sqs:SendMessage for sns.amazonaws.com with aws:SourceArn = the topic), docs/approval.md.
 */
export function subscribeApprovers(scope: Construct, topic: sns.ITopic, subscribers: string[]): void {
  subscribers.forEach((text, index) => {
    const subscriber = parseSubscriber(text);
    if (subscriber.kind === 'email') topic.addSubscription(new subscriptions.EmailSubscription(subscriber.endpoint));
    else if (subscriber.kind === 'https') topic.addSubscription(new subscriptions.UrlSubscription(subscriber.endpoint, { protocol: sns.SubscriptionProtocol.HTTPS }));
    else topic.addSubscription(new subscriptions.SqsSubscription(sqs.Queue.fromQueueArn(scope, `ApprovalSubscriber${index}`, subscriber.endpoint), { rawMessageDelivery: false }));
  });
}

/**
 * `<stack>-RemediationApprovers`: what answering an approval needs, and nothing else. IAM names are
 * account-wide and the stack deploys once per region, hence the stack prefix.
 * - states:SendTaskSuccess / SendTaskFailure authorize no resource type (Service Authorization
 *   Reference: no resource types, no condition keys), so they can only be granted on "*": holding a
 *   token and this policy is still not an approval, which needs a valid identity proof of someone
 *   other than the requester (tasks/approval/verify-approver.ts).
 * - states:DescribeExecution / GetExecutionHistory on this stack's executions only: the plan and the token.
 */
export class RemediationApprovers extends Construct implements AcceptsFindings {
  readonly policy: iam.ManagedPolicy;
  readonly acceptedFindings: readonly AcceptedFinding[] = [
    {
      rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
      reason: 'states:SendTaskSuccess and SendTaskFailure authorize no resource type (Service Authorization Reference); '
        + 'an approval also needs a valid identity proof of someone other than the requester.',
      statement: (s) => !onAnyResource(s) || actionsOf(s).every((a) => a === 'states:SendTaskSuccess' || a === 'states:SendTaskFailure'),
    },
    {
      rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):states:${REGION}:(<AWS::AccountId>|\\d{12}):execution:${STATE_MACHINE_PREFIX}\\*:\\*\\]$`),
      reason: 'Approvers read any execution of this stack\'s state machines (named remediation-*) to see its plan and find its token; nothing else.',
      statement: (s) => actionsOf(s).every((a) => a === 'states:DescribeExecution' || a === 'states:GetExecutionHistory'),
    },
  ];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: `${stack.stackName}-RemediationApprovers`,
      description: 'Answer EC2 remediation approvals: read the waiting execution, send its task token answer',
      statements: [
        new iam.PolicyStatement({ sid: 'AnswerApprovals', actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'ReadRemediationExecutions',
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resources: [`arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${STATE_MACHINE_PREFIX}*:*`],
        }),
      ],
    });
  }
}
