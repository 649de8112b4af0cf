import { PutConfigurationRecorderCommand } from '@aws-sdk/client-config-service';
import { createConfigClient } from '../lib/clients/config';
import { logger } from '../lib/logger';
import { type RecorderSettings, explainConfigError } from './config-state';

const config = createConfigClient();

export interface PutRecorderEvent {
  recorder: RecorderSettings;
  roleArn: string;
}

export interface RecorderPut {
  name: string;
  roleArn: string;
  at: string;
}

/** Creates or updates the region's one recorder (under its existing name): all supported types, the service-linked role. Idempotent. */
export const handler = async ({ recorder, roleArn }: PutRecorderEvent): Promise<RecorderPut> => {
  try {
    await config.send(new PutConfigurationRecorderCommand({
      ConfigurationRecorder: {
        name: recorder.name,
        roleARN: roleArn,
        recordingGroup: { allSupported: true, includeGlobalResourceTypes: recorder.includeGlobalResourceTypes },
        ...(recorder.recordingMode ? { recordingMode: recorder.recordingMode } : {}),
      },
    }));
  } catch (error) {
    throw explainConfigError(error, `putting configuration recorder ${recorder.name}`);
  }
  logger.info('configuration recorder put', { name: recorder.name, includeGlobalResourceTypes: recorder.includeGlobalResourceTypes });
  return { name: recorder.name, roleArn, at: new Date().toISOString() };
};
