import { ConfigServiceClient, PutConfigurationRecorderCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/put-recorder';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { SLR_ARN } from './fixtures';

const config = mockClient(ConfigServiceClient);
const recorder = { name: 'corp', allSupported: true, includeGlobalResourceTypes: false };

beforeEach(() => config.reset());

describe('put-recorder', () => {
  it('puts the recorder under its name: all supported types, global types as planned, the service-linked role', async () => {
    config.on(PutConfigurationRecorderCommand).resolves({});

    const out = await handler({ recorder, roleArn: SLR_ARN });

    expect(out).toEqual({ name: 'corp', roleArn: SLR_ARN, at: expect.any(String) });
    expect(config).toHaveReceivedCommandWith(PutConfigurationRecorderCommand, {
      ConfigurationRecorder: { name: 'corp', roleARN: SLR_ARN, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false } },
    });
  });

  it("keeps the recorder's recording mode (daily or continuous), which it does not manage", async () => {
    config.on(PutConfigurationRecorderCommand).resolves({});
    const recordingMode = { recordingFrequency: 'DAILY' as const };

    await handler({ recorder: { ...recorder, recordingMode }, roleArn: SLR_ARN });

    expect(config).toHaveReceivedCommandWith(PutConfigurationRecorderCommand, {
      ConfigurationRecorder: { name: 'corp', roleARN: SLR_ARN, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false }, recordingMode },
    });
  });

  it('is idempotent: a second put with the same settings asks for the same state again', async () => {
    config.on(PutConfigurationRecorderCommand).resolves({});

    await handler({ recorder, roleArn: SLR_ARN });
    await handler({ recorder, roleArn: SLR_ARN });

    const inputs = config.commandCalls(PutConfigurationRecorderCommand).map((c) => c.args[0].input);
    expect(inputs[1]).toEqual(inputs[0]);
  });

  it('explains a second recorder in the region', async () => {
    config.on(PutConfigurationRecorderCommand).rejects(awsError('MaxNumberOfConfigurationRecordersExceededException', 'limit 1'));

    await expect(handler({ recorder, roleArn: SLR_ARN })).rejects.toThrow(
      new PreconditionFailedError('putting configuration recorder corp: the region already has a configuration recorder (one per region): limit 1; run again to reuse it'),
    );
  });

  it('re-throws throttling with its SDK name', async () => {
    config.on(PutConfigurationRecorderCommand).rejects(awsError('ThrottlingException'));

    await expect(handler({ recorder, roleArn: SLR_ARN })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
