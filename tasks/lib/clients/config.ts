import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createConfigClient = (): ConfigServiceClient => withHooks(new ConfigServiceClient({}), 'config');
