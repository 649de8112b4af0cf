import { GetTrailStatusCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { logger } from '../lib/logger';
import { readEnv, requiredString } from '../lib/env';
import { explainTrailError } from './lib/trails';

const ct = createCloudTrailClient();
const ENV = readEnv({ TRAIL_BUCKET_NAME: requiredString });
const BUCKET = ENV.TRAIL_BUCKET_NAME;

export interface StartLoggingEvent {
  trailName: string;
}

export interface LoggingChange {
  started: boolean;
  at: string;
}

/** Turns logging on unless it already is (idempotent: a re-run finds it on and changes nothing). */
export const handler = async ({ trailName }: StartLoggingEvent): Promise<LoggingChange> => {
  const status = await ct.send(new GetTrailStatusCommand({ Name: trailName }));
  if (status.IsLogging) return { started: false, at: new Date().toISOString() };
  try {
    await ct.send(new StartLoggingCommand({ Name: trailName }));
  } catch (error) {
    return explainTrailError(error, trailName, BUCKET);
  }
  logger.info('logging started', { trail: trailName });
  return { started: true, at: new Date().toISOString() };
};
