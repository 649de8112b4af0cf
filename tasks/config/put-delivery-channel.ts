import { type MaximumExecutionFrequency, PutDeliveryChannelCommand } from '@aws-sdk/client-config-service';
import { createConfigClient } from '../lib/clients/config';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { readEnv, requiredString } from '../lib/env';
import { type ChannelSettings, explainConfigError } from './config-state';

const config = createConfigClient();
const ENV = readEnv({ CONFIG_BUCKET_NAME: requiredString });
const BUCKET = ENV.CONFIG_BUCKET_NAME;

export interface PutDeliveryChannelEvent {
  channel: ChannelSettings;
}

export interface ChannelPut {
  name: string;
  s3BucketName: string;
  at: string;
}

/** Creates or updates the region's one delivery channel (under its existing name) to the stack-owned bucket. Idempotent. */
export const handler = async ({ channel }: PutDeliveryChannelEvent): Promise<ChannelPut> => {
  // The bucket policy allows Config to write only to this stack's bucket: never deliver elsewhere.
  if (channel.s3BucketName !== BUCKET) {
    throw new PreconditionFailedError(`delivery channel ${channel.name}: bucket ${String(channel.s3BucketName)} is not the stack's bucket ${BUCKET}`);
  }
  try {
    await config.send(new PutDeliveryChannelCommand({
      DeliveryChannel: {
        name: channel.name,
        s3BucketName: BUCKET,
        ...(channel.snsTopicARN ? { snsTopicARN: channel.snsTopicARN } : {}),
        configSnapshotDeliveryProperties: { deliveryFrequency: channel.deliveryFrequency as MaximumExecutionFrequency },
      },
    }));
  } catch (error) {
    throw explainConfigError(error, `putting delivery channel ${channel.name}`, BUCKET);
  }
  logger.info('delivery channel put', { name: channel.name, bucket: BUCKET });
  return { name: channel.name, s3BucketName: BUCKET, at: new Date().toISOString() };
};
