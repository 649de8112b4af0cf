import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createLogsClient = (): CloudWatchLogsClient => withHooks(new CloudWatchLogsClient({}), 'logs');
