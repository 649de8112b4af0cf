import { EC2Client } from '@aws-sdk/client-ec2';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createEc2Client = (): EC2Client => withHooks(new EC2Client({}), 'ec2');
