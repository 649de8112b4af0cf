import { PublishCommand } from '@aws-sdk/client-sns';
import { createSnsClient } from '../lib/clients/sns';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';

const sns = createSnsClient();
const { APPROVAL_TOPIC_ARN: TOPIC_ARN } = readEnv({ APPROVAL_TOPIC_ARN: requiredString });

export interface RequestApprovalEvent {
  /** Step Functions' task token; the answer (`remediate approve|reject`) returns it. */
  taskToken: string;
  workflow: string;
  executionName: string;
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
export const handler = async (event: RequestApprovalEvent): Promise<{ requested: true; messageId: string }> => {
  const hours = Math.round((event.timeoutSeconds / 3600) * 10) / 10;
  const message = [
    `${event.workflow} wants to change ${event.target} (execution ${event.executionName}).`,
    '',
    'Plan:',
    JSON.stringify(event.plan, null, 2),
    '',
    `Approve:  remediate approve ${event.executionName}`,
    `Reject:   remediate reject ${event.executionName} --reason "<why>"`,
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
