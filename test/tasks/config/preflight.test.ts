import { BUCKET } from './config-env';
import {
  ConfigServiceClient, DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand, DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/preflight';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { ourChannel, ourRecorder, request } from './fixtures';

const config = mockClient(ConfigServiceClient);
const configured = (status: { recording: boolean; lastStatus?: 'Success' | 'Failure' | 'Pending' }) => {
  config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [ourRecorder()] });
  config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', ...status }] });
  config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [ourChannel] });
  config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [{ name: 'default', configHistoryDeliveryInfo: { lastStatus: 'Success' } }] });
};
const fresh = () => {
  config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [] });
  config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [] });
};

beforeEach(() => config.reset());

describe('preflight', () => {
  it('plans role, recorder, channel and start on a fresh region, with global types in the home region', async () => {
    fresh();

    const plan = await handler({ request: request(), region: 'us-east-1' });

    expect(plan).toEqual({
      outcome: 'PROCEED', region: 'us-east-1', homeRegion: 'us-east-1', role: 'AWSServiceRoleForConfig', before: {},
      desired: {
        recorder: { name: 'default', allSupported: true, includeGlobalResourceTypes: true },
        channel: { name: 'default', s3BucketName: BUCKET, deliveryFrequency: 'TwentyFour_Hours' },
      },
      differences: [], overwriteRequired: false,
      steps: ['ensure-service-linked-role AWSServiceRoleForConfig', 'create-configuration-recorder default',
        `create-delivery-channel default (bucket ${BUCKET})`, 'start-configuration-recorder default'],
    });
    // No recorder: no status to ask for.
    expect(config).toHaveReceivedCommandTimes(DescribeConfigurationRecorderStatusCommand, 0);
  });

  it('records global types only in the home region, and carries topic and frequency', async () => {
    fresh();
    const topic = 'arn:aws:sns:eu-west-1:111122223333:config';

    const plan = await handler({ request: request({ homeRegion: 'us-east-1', snsTopicArn: topic, deliveryFrequency: 'One_Hour' }), region: 'eu-west-1' });

    expect(plan.desired.recorder.includeGlobalResourceTypes).toBe(false);
    expect(plan.desired.channel).toEqual({ name: 'default', s3BucketName: BUCKET, snsTopicARN: topic, deliveryFrequency: 'One_Hour' });
  });

  it('is NO_ACTION when recorder and channel match and it records without FAILURE', async () => {
    configured({ recording: true, lastStatus: 'Success' });

    const plan = await handler({ request: request(), region: 'us-east-1' });

    expect(plan.outcome).toBe('NO_ACTION');
    expect(plan.steps).toEqual([]);
    expect(plan.before.deliveryStatus).toBe('Success');
    expect(config).toHaveReceivedCommandWith(DescribeConfigurationRecorderStatusCommand, { ConfigurationRecorderNames: ['default'] });
  });

  it.each([
    ['stopped', { recording: false, lastStatus: 'Success' as const }],
    ['failing', { recording: true, lastStatus: 'Failure' as const }],
  ])('proceeds (update and start) when matching settings are %s', async (_, status) => {
    configured(status);

    const plan = await handler({ request: request(), region: 'us-east-1' });

    expect(plan.outcome).toBe('PROCEED');
    expect(plan.steps).toContain('update-configuration-recorder default');
  });

  it('returns PLANNED in plan mode, even when overwrite would be needed', async () => {
    configured({ recording: true, lastStatus: 'Success' });
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [ourRecorder({ recordingGroup: { allSupported: false, resourceTypes: ['AWS::EC2::Instance'] } })] });

    const plan = await handler({ request: request({ mode: 'plan' }), region: 'us-east-1' });

    expect(plan.outcome).toBe('PLANNED');
    expect(plan.overwriteRequired).toBe(true);
  });

  it('refuses differing settings without overwrite, naming each difference; reuses the existing names', async () => {
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [
      { name: 'ConfigRecorder-x', roleARN: 'arn:aws:iam::111122223333:role/config-role', recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ['AWS::EC2::Instance'] } },
    ] });
    config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'ConfigRecorder-x', recording: true, lastStatus: 'Success' }] });
    config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [{ name: 'chan', s3BucketName: 'other-bucket', s3KeyPrefix: 'cfg' }] });
    config.on(DescribeDeliveryChannelStatusCommand).resolves({ DeliveryChannelsStatus: [] });

    const refusal = handler({ request: request(), region: 'us-east-1' });

    await expect(refusal).rejects.toThrow(PreconditionFailedError);
    await expect(refusal).rejects.toThrow(
      'AWS Config in us-east-1 is set up differently; nothing was changed. Set overwrite: true to apply: ' +
      'recorder ConfigRecorder-x roleARN: "arn:aws:iam::111122223333:role/config-role" → the service-linked role AWSServiceRoleForConfig; ' +
      'recorder ConfigRecorder-x allSupported: false (records ["AWS::EC2::Instance"]) → true; ' +
      'recorder ConfigRecorder-x includeGlobalResourceTypes: false → true; ' +
      `delivery channel chan s3BucketName: "other-bucket" → "${BUCKET}"; delivery channel chan s3KeyPrefix: "cfg" → (none)`,
    );
    const overwritten = await handler({ request: request({ overwrite: true }), region: 'us-east-1' });
    expect(overwritten.outcome).toBe('PROCEED');
    expect(overwritten.desired.recorder.name).toBe('ConfigRecorder-x');
    expect(overwritten.desired.channel.name).toBe('chan');
  });

  it('carries the existing recording mode into the desired recorder (Put replaces the whole recorder)', async () => {
    configured({ recording: false });
    const recordingMode = { recordingFrequency: 'DAILY' as const, recordingModeOverrides: [] };
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [ourRecorder({ recordingMode })] });

    const plan = await handler({ request: request(), region: 'us-east-1' });

    expect(plan.desired.recorder).toEqual({ name: 'default', allSupported: true, includeGlobalResourceTypes: true, recordingMode });
    expect(plan.differences).toEqual([]);
  });

  it("ignores other services' service-linked recorders", async () => {
    fresh();
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [{ name: 'AWSConfigurationRecorderForX', servicePrincipal: 'x.amazonaws.com' }] });

    const plan = await handler({ request: request(), region: 'us-east-1' });

    expect(plan.before).toEqual({});
    expect(plan.desired.recorder.name).toBe('default');
  });

  it('turns AccessDenied into a clear PreconditionFailedError', async () => {
    config.on(DescribeConfigurationRecordersCommand).rejects(awsError('AccessDeniedException', 'not authorized'));

    await expect(handler({ request: request(), region: 'us-east-1' })).rejects.toThrow(
      new PreconditionFailedError('reading AWS Config settings: access denied (AccessDeniedException): not authorized; check the task role and any SCP or permissions boundary'),
    );
  });

  it('re-throws throttling with its SDK name for the state machine Retry', async () => {
    config.on(DescribeConfigurationRecordersCommand).rejects(awsError('ThrottlingException'));

    await expect(handler({ request: request(), region: 'us-east-1' })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
