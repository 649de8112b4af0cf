import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createElbv2Client = (): ElasticLoadBalancingV2Client => withHooks(new ElasticLoadBalancingV2Client({}), 'elasticloadbalancing');
