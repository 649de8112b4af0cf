import { BUCKET } from './config-env';
import { ConfigServiceClient, PutDeliveryChannelCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/put-delivery-channel';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';

const config = mockClient(ConfigServiceClient);
const channel = { name: 'default', s3BucketName: BUCKET, deliveryFrequency: 'Six_Hours' };

beforeEach(() => config.reset());

describe('put-delivery-channel', () => {
  it('puts the channel to the stack bucket with the frequency and topic', async () => {
    config.on(PutDeliveryChannelCommand).resolves({});
    const topic = 'arn:aws:sns:us-east-1:111122223333:t';

    const out = await handler({ channel: { ...channel, snsTopicARN: topic } });

    expect(out).toEqual({ name: 'default', s3BucketName: BUCKET, at: expect.any(String) });
    expect(config).toHaveReceivedCommandWith(PutDeliveryChannelCommand, {
      DeliveryChannel: { name: 'default', s3BucketName: BUCKET, snsTopicARN: topic, configSnapshotDeliveryProperties: { deliveryFrequency: 'Six_Hours' } },
    });
  });

  it('never delivers to a bucket other than the stack bucket', async () => {
    await expect(handler({ channel: { ...channel, s3BucketName: 'elsewhere' } })).rejects.toThrow(PreconditionFailedError);
    expect(config).toHaveReceivedCommandTimes(PutDeliveryChannelCommand, 0);
  });

  it('explains a bucket policy Config cannot deliver through', async () => {
    config.on(PutDeliveryChannelCommand).rejects(awsError('InsufficientDeliveryPolicyException', 'cannot write'));

    await expect(handler({ channel })).rejects.toThrow(
      new PreconditionFailedError(`putting delivery channel default: the policy of bucket ${BUCKET} does not let AWS Config deliver to it: cannot write`),
    );
  });

  it('explains a missing bucket', async () => {
    config.on(PutDeliveryChannelCommand).rejects(awsError('NoSuchBucketException', 'no such bucket'));

    await expect(handler({ channel })).rejects.toThrow(
      new PreconditionFailedError(`putting delivery channel default: bucket ${BUCKET} does not exist (was the stack's bucket deleted?): no such bucket`),
    );
  });

  it('is idempotent: the same put twice asks for the same state', async () => {
    config.on(PutDeliveryChannelCommand).resolves({});

    await handler({ channel });
    await handler({ channel });

    const inputs = config.commandCalls(PutDeliveryChannelCommand).map((c) => c.args[0].input);
    expect(inputs[1]).toEqual(inputs[0]);
  });

  it('re-throws a transient error with its SDK name', async () => {
    config.on(PutDeliveryChannelCommand).rejects(awsError('InternalFailure'));

    await expect(handler({ channel })).rejects.toMatchObject({ name: 'InternalFailure' });
  });
});
