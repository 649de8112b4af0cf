import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createLogsClient = (): CloudWatchLogsClient => withHooks(new CloudWatchLogsClient({ ...SDK_RETRY }), 'logs');
