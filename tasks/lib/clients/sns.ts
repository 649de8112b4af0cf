import { SNSClient } from '@aws-sdk/client-sns';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createSnsClient = (): SNSClient => withHooks(new SNSClient({ ...SDK_RETRY }), 'sns');
