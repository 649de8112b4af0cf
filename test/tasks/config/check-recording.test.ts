import {
  ConfigServiceClient, DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand, DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/check-recording';
import { PollBudgetExceededError } from '../../../tasks/lib/errors';
import { NOW, awsError, freezeTime, pollState } from '../fixtures';
import { desired, ourChannel, ourRecorder } from './fixtures';

const config = mockClient(ConfigServiceClient);
const startedAt = NOW.toISOString();
const status = (s: { recording: boolean; lastStatus?: 'Success' | 'Failure' | 'Pending'; lastStatusChangeTime?: Date; lastErrorCode?: string; lastErrorMessage?: string }) =>
  config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', ...s }] });

beforeEach(() => {
  config.reset();
  freezeTime(NOW);
  config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [ourRecorder()] });
  config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [ourChannel] });
  config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [{ name: 'default', configHistoryDeliveryInfo: { lastStatus: 'Success' } }] });
});
afterEach(() => jest.useRealTimers());

describe('check-recording', () => {
  it('completes when the settings stuck and the recorder records (PENDING first delivery included), with the after state', async () => {
    status({ recording: true, lastStatus: 'Pending' });

    const out = await handler({ desired: desired(), startedAt });

    expect(out).toEqual({
      status: 'completed', count: 1, startedAt, maxPolls: 12, waitSeconds: 5,
      after: {
        recorder: { name: 'default', roleARN: expect.stringContaining('AWSServiceRoleForConfig'), allSupported: true, includeGlobalResourceTypes: true },
        status: { recording: true, lastStatus: 'Pending' },
        channel: { name: 'default', s3BucketName: 'config-delivery-bucket', deliveryFrequency: 'TwentyFour_Hours' },
        deliveryStatus: 'Success',
      },
    });
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

  it('throws PollBudgetExceededError when still not recording at the last poll', async () => {
    status({ recording: false });

    await expect(handler({ desired: desired(), startedAt, poll: pollState({ count: 11, maxPolls: 12 }) })).rejects.toThrow(PollBudgetExceededError);
  });

  it('re-throws throttling with its SDK name', async () => {
    config.on(DescribeConfigurationRecordersCommand).rejects(awsError('ThrottlingException'));

    await expect(handler({ desired: desired(), startedAt })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
