import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createCloudTrailClient = (): CloudTrailClient => withHooks(new CloudTrailClient({ ...SDK_RETRY }), 'cloudtrail');
