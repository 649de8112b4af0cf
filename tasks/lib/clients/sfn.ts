import { SFNClient } from '@aws-sdk/client-sfn';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createSfnClient = (): SFNClient => withHooks(new SFNClient({}), 'sfn');
