import { PublishCommand } from '@aws-sdk/client-sns';
import { createSnsClient } from '../lib/clients/sns';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';

const sns = createSnsClient();
const { APPROVAL_TOPIC_ARN: TOPIC_ARN } = readEnv({ APPROVAL_TOPIC_ARN: requiredString });

export interface RequestApprovalEvent {
  /**
   * Step Functions' task token. It is neither published nor logged (docs/approval.md): the answer
   * (`remediate approve|reject`) reads it from the execution history, and a token alone approves nothing.
   */
  taskToken: string;
  workflow: string;
  executionName: string;
  /** Answering by ARN needs no ListStateMachines (the RemediationApprovers policy grants none). */
  executionArn: string;
  target: string;
  /** What will happen if approved, for the person deciding. */
  plan: unknown;
  timeoutSeconds: number;
}

/**
 * Asks a person before disruptive work: publishes the plan and the exact commands that
 * answer it. The state machine waits (task token) until the answer or its timeout, which
 * counts as a rejection; either way nothing has been changed yet.
 */
export const handler = async ({ taskToken: _notPublished, ...event }: RequestApprovalEvent): Promise<{ requested: true; messageId: string }> => {
  const hours = Math.round((event.timeoutSeconds / 3600) * 10) / 10;
  const message = [
    `${event.workflow} wants to change ${event.target} (execution ${event.executionName}).`,
    '',
    'Plan:',
    JSON.stringify(event.plan, null, 2),
    '',
    `Approve:  remediate approve ${event.executionArn}`,
    `Reject:   remediate reject ${event.executionArn} --reason "<why>"`,
    '(as someone other than who started it; with the AWS CLI: see docs/approval.md)',
    '',
    `No answer within ${hours} h counts as a rejection; nothing has been changed yet.`,
  ].join('\n');
  const out = await sns.send(new PublishCommand({
    TopicArn: TOPIC_ARN,
    Subject: `Approval needed: ${event.workflow} on ${event.target}`.slice(0, 100),
    Message: message,
    MessageAttributes: { execution: { DataType: 'String', StringValue: event.executionName } },
  }));
  logger.info('approval requested', { execution: event.executionName, messageId: out.MessageId });
  return { requested: true, messageId: out.MessageId as string };
};
