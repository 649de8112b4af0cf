import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError, ResourceNotFoundError } from '../lib/errors';
import { logger } from '../lib/logger';
import { describeVpcs, flowLogsOfVpcs, summarize, type FlowLogsPlan, type FlowLogsRunContext, type VpcPlan } from './lib/flow-logs';
import { MAX_VPCS_PER_EXECUTION } from './lib/schema';

const ec2 = createEc2Client();

/**
 * Read-only: which VPCs lack an ACTIVE flow log to the requested kind of destination. An unknown VPC is refused
 * here, before any change; a VPC that already has one is left alone (NO_ACTION for it).
 */
export const handler = async ({ request }: FlowLogsRunContext): Promise<FlowLogsPlan> => {
  const vpcs = await describeVpcs(ec2, request.vpcIds);
  const found = new Set(vpcs.map((v) => v.VpcId as string));
  const missing = (request.vpcIds ?? []).filter((id) => !found.has(id));
  if (missing.length > 0) throw new ResourceNotFoundError(`VPC not found in this account and region: ${missing.join(', ')}`);
  const vpcIds = request.vpcIds ?? [...found].sort();
  if (vpcIds.length > MAX_VPCS_PER_EXECUTION) {
    throw new PreconditionFailedError(
      `${vpcIds.length} VPCs; one execution handles at most ${MAX_VPCS_PER_EXECUTION}: split them with vpcIds`,
    );
  }

  const flowLogs = await flowLogsOfVpcs(ec2, vpcIds);
  const plans: VpcPlan[] = vpcIds.map((vpcId) => {
    const before = (flowLogs.get(vpcId) ?? []).map(summarize);
    const covering = before.find((f) => f.status === 'ACTIVE' && f.destinationType === request.destination);
    return covering
      ? { vpcId, action: 'none', reason: `flow log ${covering.flowLogId} already delivers to ${request.destination}`, before }
      : { vpcId, action: 'create', reason: `no ACTIVE flow log to ${request.destination}`, before };
  });
  const toCreate = plans.filter((p) => p.action === 'create').map((p) => ({ vpcId: p.vpcId }));
  const outcome = toCreate.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { vpcs: plans.length, toCreate: toCreate.length, outcome });
  return { outcome, destination: request.destination, vpcs: plans, toCreate };
};
