import { createHash } from 'node:crypto';
import { CreateFlowLogsCommand, type CreateFlowLogsCommandInput, type FlowLog } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { PreconditionFailedError, TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { destinationFromEnv, destinationOf } from './lib/destination';
import { createdByExecution, findFlowLogs, flowLogTags, type CreatedFlowLog, type FlowLogsRunContext } from './lib/flow-logs';

const ec2 = createEc2Client();
const config = destinationFromEnv();

const ALREADY_EXISTS = 'FlowLogAlreadyExists';

export interface CreateFlowLogEvent {
  vpcId: string;
  request: FlowLogsRunContext['request'];
  executionName: string;
}

/**
 * Creates one VPC's flow log to the stack's destination. Idempotent: a retry finds the flow log this execution
 * already made (by tags; the ClientToken covers a lost answer too); FlowLogAlreadyExists means the same flow log
 * is already there, which is success (recorded as not created by us, so a cleanup never deletes it).
 */
export const handler = async ({ vpcId, request, executionName }: CreateFlowLogEvent): Promise<CreatedFlowLog> => {
  const at = new Date().toISOString();
  const [ours] = await findFlowLogs(ec2, { Filter: createdByExecution(executionName, vpcId) });
  if (ours?.FlowLogId) {
    logger.info('flow log already created by this execution', { vpcId, flowLogId: ours.FlowLogId });
    return { vpcId, flowLogId: ours.FlowLogId, created: true, at };
  }
  let refusal: { code: string; message: string } | undefined;
  try {
    const out = await ec2.send(new CreateFlowLogsCommand(createInput(vpcId, request, executionName)));
    const [flowLogId] = out.FlowLogIds ?? [];
    if (flowLogId) {
      logger.info('flow log created', { vpcId, flowLogId });
      return { vpcId, flowLogId, created: true, at };
    }
    const error = out.Unsuccessful?.find((u) => u.ResourceId === vpcId)?.Error ?? out.Unsuccessful?.[0]?.Error;
    refusal = { code: error?.Code ?? 'Unknown', message: error?.Message ?? 'no reason given' };
  } catch (error) {
    // AWS lists FlowLogAlreadyExists in Unsuccessful; some endpoints throw it instead.
    if (awsErrorName(error) !== ALREADY_EXISTS) throw error;
    refusal = { code: ALREADY_EXISTS, message: (error as Error).message };
  }
  if (refusal.code === ALREADY_EXISTS) {
    const existing = await sameFlowLog(vpcId, request);
    if (existing?.FlowLogId) {
      logger.info('flow log already exists', { vpcId, flowLogId: existing.FlowLogId });
      return { vpcId, flowLogId: existing.FlowLogId, created: false, at };
    }
  }
  // A throttle reported per resource is retried like any other transient error.
  if ((TRANSIENT_ERRORS as readonly string[]).includes(refusal.code)) {
    throw Object.assign(new Error(refusal.message), { name: refusal.code });
  }
  throw new PreconditionFailedError(`CreateFlowLogs refused for ${vpcId}: ${refusal.code}: ${refusal.message}`);
};

function createInput(vpcId: string, request: CreateFlowLogEvent['request'], executionName: string): CreateFlowLogsCommandInput {
  const common: CreateFlowLogsCommandInput = {
    ResourceIds: [vpcId],
    ResourceType: 'VPC',
    TrafficType: request.trafficType,
    MaxAggregationInterval: request.maxAggregationInterval,
    // Same execution and VPC -> same token: EC2 answers a repeated request with the first one's result.
    ClientToken: createHash('sha256').update(`${executionName}/${vpcId}`).digest('hex').slice(0, 64),
    TagSpecifications: [{ ResourceType: 'vpc-flow-log', Tags: flowLogTags(executionName) }],
    ...(request.logFormat ? { LogFormat: request.logFormat } : {}),
  };
  return request.destination === 's3'
    ? { ...common, LogDestinationType: 's3', LogDestination: config.bucketArn }
    : { ...common, LogDestinationType: 'cloud-watch-logs', LogGroupName: config.logGroupName, DeliverLogsPermissionArn: config.deliveryRoleArn };
}

/** The VPC's flow log to the same destination with the same traffic type: the one EC2 says already exists. */
async function sameFlowLog(vpcId: string, request: CreateFlowLogEvent['request']): Promise<FlowLog | undefined> {
  const destination = destinationOf(config, request.destination);
  const flowLogs = await findFlowLogs(ec2, { Filter: [{ Name: 'resource-id', Values: [vpcId] }] });
  return flowLogs.find((f) => (f.LogDestinationType ?? 'cloud-watch-logs') === request.destination &&
    (f.LogDestination === destination || f.LogGroupName === destination || f.LogDestination === config.logGroupArn.replace(/:\*$/, '')) &&
    f.TrafficType === request.trafficType);
}
