import {
  ConfigServiceClient, DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand, DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/check-recording';
import { NOW, awsError, freezeTime, pollState } from '../fixtures';
import { desired, ourChannel, ourRecorder } from './fixtures';

const config = mockClient(ConfigServiceClient);
const s3 = mockClient(S3Client);
const startedAt = NOW.toISOString();
const status = (s: { recording: boolean; lastStatus?: 'Success' | 'Failure' | 'Pending'; lastStatusChangeTime?: Date; lastErrorCode?: string; lastErrorMessage?: string }) =>
  config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', ...s }] });

beforeEach(() => {
  config.reset();
  s3.reset();
  s3.on(HeadBucketCommand).resolves({});
  freezeTime(NOW);
  config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [ourRecorder()] });
  config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [ourChannel] });
  config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [{ name: 'default', configHistoryDeliveryInfo: { lastStatus: 'Success' } }] });
});
afterEach(() => jest.useRealTimers());

describe('check-recording', () => {
  it('completes when the settings stuck, the bucket exists and the recorder records successfully, with the after state', async () => {
    status({ recording: true, lastStatus: 'Success' });

    const out = await handler({ desired: desired(), startedAt });

    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: 'config-delivery-bucket' });
    expect(out).toEqual({
      status: 'completed', count: 1, startedAt, maxPolls: 12, waitSeconds: 5,
      after: {
        recorder: { name: 'default', roleARN: expect.stringContaining('AWSServiceRoleForConfig'), allSupported: true, includeGlobalResourceTypes: true },
        status: { recording: true, lastStatus: 'Success' },
        channel: { name: 'default', s3BucketName: 'config-delivery-bucket', deliveryFrequency: 'TwentyFour_Hours' },
        deliveryStatus: 'Success',
      },
    });
  });

  it('keeps waiting while the recorder reports Pending (nothing recorded and delivered yet)', async () => {
    status({ recording: true, lastStatus: 'Pending' });

    const out = await handler({ desired: desired(), startedAt, poll: pollState({ count: 1, maxPolls: 12 }) });

    expect(out).toMatchObject({ status: 'pending', count: 2 });
  });

  it('fails verification when the recorder is still Pending at the budget\'s last poll', async () => {
    status({ recording: true, lastStatus: 'Pending' });

    const out = await handler({ desired: desired(), startedAt, poll: pollState({ count: 11, maxPolls: 12 }) });

    expect(out).toMatchObject({
      status: 'error',
      error: { Error: 'VerificationFailedError', Cause: 'recorder default is recording with lastStatus Pending after 12 polls (budget 12): Config has not confirmed a successful recording' },
    });
  });

  it('fails verification when the delivery bucket does not exist, whatever the recorder says', async () => {
    status({ recording: true, lastStatus: 'Success' });
    s3.on(HeadBucketCommand).rejects(awsError('NotFound'));

    const out = await handler({ desired: desired(), startedAt });

    expect(out).toMatchObject({
      status: 'error',
      error: { Error: 'VerificationFailedError', Cause: 'delivery bucket config-delivery-bucket does not exist: Config cannot deliver to it' },
    });
  });

  it('fails verification when the delivery bucket cannot be read, naming the grant it needs', async () => {
    status({ recording: true, lastStatus: 'Success' });
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden'));

    const out = await handler({ desired: desired(), startedAt });

    expect(out.error).toEqual({
      Error: 'VerificationFailedError',
      Cause: 'delivery bucket config-delivery-bucket cannot be read (Forbidden): it belongs to another account, or this function lacks s3:ListBucket on it',
    });
  });

  it('re-throws a throttled bucket check for Retry', async () => {
    status({ recording: true, lastStatus: 'Success' });
    s3.on(HeadBucketCommand).rejects(awsError('SlowDown'));

    await expect(handler({ desired: desired(), startedAt })).rejects.toMatchObject({ name: 'SlowDown' });
  });

  it('fails verification on a delivery failure since our start, with its code and message', async () => {
    status({ recording: true, lastStatus: 'Success' });
    config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [{
      name: 'default',
      configHistoryDeliveryInfo: { lastStatus: 'Failure', lastErrorCode: 'NoSuchBucket', lastErrorMessage: 'The specified bucket does not exist', lastAttemptTime: new Date(NOW.getTime() + 1000) },
    }] });

    const out = await handler({ desired: desired(), startedAt });

    expect(out.error).toEqual({ Error: 'VerificationFailedError', Cause: 'delivery channel default last delivery failed: NoSuchBucket: The specified bucket does not exist' });
  });

  it('treats a delivery failure older than our start as history', async () => {
    status({ recording: true, lastStatus: 'Success' });
    config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [{
      name: 'default', configSnapshotDeliveryInfo: { lastStatus: 'Failure', lastErrorCode: 'AccessDenied', lastAttemptTime: new Date(NOW.getTime() - 60_000) },
    }] });

    const out = await handler({ desired: desired(), startedAt });

    expect(out.status).toBe('completed');
  });

  it('waits while Config does not report recording yet, with growing intervals', async () => {
    status({ recording: false });

    const out = await handler({ desired: desired(), startedAt, poll: pollState({ count: 2, maxPolls: 12 }) });

    expect(out).toMatchObject({ status: 'pending', count: 3, waitSeconds: 20 });
  });

  it('fails verification on a FAILURE since our start, naming code and message', async () => {
    status({ recording: true, lastStatus: 'Failure', lastStatusChangeTime: new Date(NOW.getTime() + 1000), lastErrorCode: 'AccessDenied', lastErrorMessage: 'cannot assume role' });

    const out = await handler({ desired: desired(), startedAt });

    expect(out).toMatchObject({
      status: 'error',
      error: { Error: 'VerificationFailedError', Cause: 'recorder default lastStatus Failure: AccessDenied: cannot assume role' },
    });
  });

  it('reads the status without case (moto answers FAILURE where the API says Failure)', async () => {
    config.on(DescribeConfigurationRecorderStatusCommand).resolves({
      ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'FAILURE' as never, lastStatusChangeTime: new Date(NOW.getTime() + 1000) }],
    });

    const out = await handler({ desired: desired(), startedAt });

    expect(out.status).toBe('error');
  });

  it('treats a FAILURE older than our start as history and keeps waiting', async () => {
    status({ recording: true, lastStatus: 'Failure', lastStatusChangeTime: new Date(NOW.getTime() - 60_000) });

    const out = await handler({ desired: desired(), startedAt });

    expect(out.status).toBe('pending');
  });

  it('fails verification when the re-read settings differ from what was put', async () => {
    status({ recording: true, lastStatus: 'Success' });

    const out = await handler({ desired: desired(false), startedAt });

    expect(out).toMatchObject({
      status: 'error',
      error: { Error: 'VerificationFailedError', Cause: 'after apply, settings still differ: recorder default includeGlobalResourceTypes: true → false' },
    });
  });

  it('fails verification when the recorder or channel is gone', async () => {
    config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [] });
    status({ recording: true });

    const out = await handler({ desired: desired(), startedAt });

    expect(out.error?.Cause).toBe('after apply, Config reports no delivery channel default');
  });

  it('fails verification (not a poll-budget error) when still not recording at the last poll', async () => {
    status({ recording: false });

    const out = await handler({ desired: desired(), startedAt, poll: pollState({ count: 11, maxPolls: 12 }) });

    expect(out.error?.Error).toBe('VerificationFailedError');
    expect(out.error?.Cause).toMatch(/^recorder default is not recording with lastStatus \(none\) after 12 polls/);
  });

  it('re-throws throttling with its SDK name', async () => {
    config.on(DescribeConfigurationRecordersCommand).rejects(awsError('ThrottlingException'));

    await expect(handler({ desired: desired(), startedAt })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
