import { EC2Client } from '@aws-sdk/client-ec2';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createEc2Client = (options: Ec2ClientOptions = {}): EC2Client =>
  withHooks(new EC2Client(options.sdkRetries === false ? { maxAttempts: 1 } : { ...SDK_RETRY }), 'ec2');

export interface Ec2ClientOptions {
  /**
   * false: the SDK sends each call once. For creates that have no ClientToken (CreateSnapshot,
   * CopySnapshot): an SDK retry after a lost answer would make a duplicate, so every retry goes
   * through the state machine and the task's lookup by tag instead (tasks/lib/create-once.ts).
   */
  sdkRetries?: false;
}
