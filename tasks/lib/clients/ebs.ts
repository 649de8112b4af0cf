import { EBSClient } from '@aws-sdk/client-ebs';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createEbsClient = (): EBSClient => withHooks(new EBSClient({ ...SDK_RETRY }), 'ebs');
