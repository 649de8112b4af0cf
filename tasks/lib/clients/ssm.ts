import { SSMClient } from '@aws-sdk/client-ssm';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createSsmClient = (): SSMClient => withHooks(new SSMClient({ ...SDK_RETRY }), 'ssm');
