import { StartConfigurationRecorderCommand } from '@aws-sdk/client-config-service';
import { createConfigClient } from '../lib/clients/config';
import { logger } from '../lib/logger';
import { explainConfigError } from './config-state';

const config = createConfigClient();

export interface StartRecorderEvent {
  name: string;
}

export interface RecorderStarted {
  name: string;
  startedAt: string;
}

/** Starts the recorder. Idempotent: starting a recording recorder changes nothing. */
export const handler = async ({ name }: StartRecorderEvent): Promise<RecorderStarted> => {
  const startedAt = new Date().toISOString();
  try {
    await config.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: name }));
  } catch (error) {
    throw explainConfigError(error, `starting configuration recorder ${name}`);
  }
  logger.info('configuration recorder started', { name });
  return { name, startedAt };
};
