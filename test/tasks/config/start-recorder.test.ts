import { ConfigServiceClient, StartConfigurationRecorderCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/start-recorder';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';

const config = mockClient(ConfigServiceClient);

beforeEach(() => config.reset());

describe('start-recorder', () => {
  it('starts the recorder and records when', async () => {
    config.on(StartConfigurationRecorderCommand).resolves({});

    const out = await handler({ name: 'default' });

    expect(out).toEqual({ name: 'default', startedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(config).toHaveReceivedCommandWith(StartConfigurationRecorderCommand, { ConfigurationRecorderName: 'default' });
  });

  it('is idempotent: starting a recording recorder succeeds again', async () => {
    config.on(StartConfigurationRecorderCommand).resolves({});

    await handler({ name: 'default' });
    await expect(handler({ name: 'default' })).resolves.toMatchObject({ name: 'default' });
  });

  it('explains AccessDenied', async () => {
    config.on(StartConfigurationRecorderCommand).rejects(awsError('AccessDeniedException', 'no'));

    await expect(handler({ name: 'default' })).rejects.toThrow(PreconditionFailedError);
  });

  it('passes other Config errors through with their name', async () => {
    config.on(StartConfigurationRecorderCommand).rejects(awsError('NoAvailableDeliveryChannelException', 'no channel'));

    await expect(handler({ name: 'default' })).rejects.toMatchObject({ name: 'NoAvailableDeliveryChannelException' });
  });
});
