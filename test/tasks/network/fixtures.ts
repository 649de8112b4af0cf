import type { FlowLog } from '@aws-sdk/client-ec2';
import type { EnableFlowLogsInput } from '../../../tasks/network/lib/schema';
import type { ExecutionFacts } from '../../../tasks/lib/types';

// Shared values for the enable-flow-logs task tests; ids match the input schema's patterns.
export const VPC_A = 'vpc-0aaaaaaaaaaaaaaa1';
export const VPC_B = 'vpc-0bbbbbbbbbbbbbbb2';
export const EXECUTION: ExecutionFacts = { name: 'enable-flow-logs-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };
export const BUCKET_ARN = 'arn:aws:s3:::remediation-flow-logs';
export const LOG_GROUP_ARN = 'arn:aws:logs:us-east-1:123456789012:log-group:/remediation/vpc-flow-logs:*';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/flow-logs-delivery';

/** The destinations the stack passes to the create task; set before it loads. */
export function setDestinationEnv(): void {
  process.env.FLOW_LOGS_BUCKET_ARN = BUCKET_ARN;
  process.env.FLOW_LOGS_LOG_GROUP_ARN = LOG_GROUP_ARN;
  process.env.FLOW_LOGS_DELIVERY_ROLE_ARN = ROLE_ARN;
}

export function request(overrides: Partial<EnableFlowLogsInput> = {}): EnableFlowLogsInput {
  return { vpcIds: [VPC_A], destination: 's3', trafficType: 'ALL', maxAggregationInterval: 600, mode: 'apply', trigger: { source: 'console' }, ...overrides };
}

export function flowLog(id: string, vpcId: string, overrides: Partial<FlowLog> = {}): FlowLog {
  return {
    FlowLogId: id, ResourceId: vpcId, FlowLogStatus: 'ACTIVE', LogDestinationType: 's3', LogDestination: BUCKET_ARN,
    TrafficType: 'ALL', DeliverLogsStatus: 'SUCCESS', ...overrides,
  };
}
