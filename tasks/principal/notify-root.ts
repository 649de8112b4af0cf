import { PublishCommand } from '@aws-sdk/client-sns';
import { createSnsClient } from '../lib/clients/sns';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import type { ContainPlan } from './lib/plan';

const sns = createSnsClient();
const { CONTAIN_NOTIFICATION_TOPIC_ARN: TOPIC } = readEnv({ CONTAIN_NOTIFICATION_TOPIC_ARN: requiredString });

export interface NotifyRootEvent { plan: ContainPlan; executionName: string }
export interface RootNotified { topicArn: string; messageId: string; at: string }

/**
 * Root credentials were used: no IAM policy can restrict the root user, so nothing is changed; the stack's
 * notifications topic gets the steps a person must take. Sent again on a re-run (it is a message, not a change).
 */
export const handler = async ({ plan, executionName }: NotifyRootEvent): Promise<RootNotified> => {
  const steps = (plan.rootSteps ?? []).map((s, i) => `${i + 1}. ${s}`).join('\n');
  const out = await sns.send(new PublishCommand({
    TopicArn: TOPIC,
    Subject: `Root user of account ${plan.principal.account} used: act by hand`.slice(0, 99),
    Message: [
      `contain-principal (${executionName}, case ${plan.caseId}) found the root user of account ${plan.principal.account} behind the event.`,
      'IAM cannot restrict the root user, so nothing was changed. A person must:', steps,
    ].join('\n'),
  }));
  logger.info('root use notified', { caseId: plan.caseId, messageId: out.MessageId });
  return { topicArn: TOPIC, messageId: out.MessageId ?? '', at: new Date().toISOString() };
};
