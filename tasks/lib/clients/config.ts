import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createConfigClient = (): ConfigServiceClient => withHooks(new ConfigServiceClient({ ...SDK_RETRY }), 'config');
