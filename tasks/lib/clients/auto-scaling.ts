import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createAutoScalingClient = (): AutoScalingClient => withHooks(new AutoScalingClient({ ...SDK_RETRY }), 'autoscaling');
