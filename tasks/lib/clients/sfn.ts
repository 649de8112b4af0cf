import { SFNClient } from '@aws-sdk/client-sfn';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createSfnClient = (): SFNClient => withHooks(new SFNClient({ ...SDK_RETRY }), 'sfn');
