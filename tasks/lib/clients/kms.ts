import { KMSClient } from '@aws-sdk/client-kms';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createKmsClient = (): KMSClient => withHooks(new KMSClient({ ...SDK_RETRY }), 'kms');
