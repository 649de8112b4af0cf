import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createCloudWatchClient = (): CloudWatchClient => withHooks(new CloudWatchClient({ ...SDK_RETRY }), 'cloudwatch');
