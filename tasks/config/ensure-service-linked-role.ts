import { CreateServiceLinkedRoleCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { createIamClient } from '../lib/clients/iam';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { CONFIG_SERVICE, SERVICE_LINKED_ROLE_NAME, explainConfigError } from './config-state';

const iam = createIamClient();

export interface ServiceLinkedRole {
  roleArn: string;
  created: boolean;
  at: string;
}

async function currentRoleArn(client: IAMClient): Promise<string | undefined> {
  try {
    return (await client.send(new GetRoleCommand({ RoleName: SERVICE_LINKED_ROLE_NAME }))).Role?.Arn;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchEntityException') return undefined;
    throw error;
  }
}

/**
 * The recorder's role. Idempotent: an existing role is used; when a concurrent or earlier
 * (lost-answer) creation already made it, IAM answers InvalidInput ("has been taken") and we read it.
 */
export const handler = async (): Promise<ServiceLinkedRole> => {
  try {
    const existing = await currentRoleArn(iam);
    if (existing) return { roleArn: existing, created: false, at: new Date().toISOString() };
    try {
      const out = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: CONFIG_SERVICE }));
      logger.info('service-linked role created', { roleArn: out.Role?.Arn });
      return { roleArn: out.Role?.Arn as string, created: true, at: new Date().toISOString() };
    } catch (error) {
      const taken = awsErrorName(error) === 'InvalidInputException' && /has been taken/i.test((error as Error).message);
      if (!taken) throw error;
      const arn = await currentRoleArn(iam);
      if (!arn) throw error;
      return { roleArn: arn, created: false, at: new Date().toISOString() };
    }
  } catch (error) {
    throw explainConfigError(error, `ensuring ${SERVICE_LINKED_ROLE_NAME}`);
  }
};
