import { IAMClient } from '@aws-sdk/client-iam';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createIamClient = (): IAMClient => withHooks(new IAMClient({ ...SDK_RETRY }), 'iam');
