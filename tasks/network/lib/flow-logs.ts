import { paginateDescribeFlowLogs, paginateDescribeVpcs, type EC2Client, type Filter, type FlowLog, type Vpc } from '@aws-sdk/client-ec2';
import { TAG } from '../../lib/tags';
import type { ExecutionFacts, ResourceTag } from '../../lib/types';
import type { EnableFlowLogsInput, FlowLogDestination } from './schema';
import { WORKFLOW } from '../../lib/workflow-names';

/** What every task of enable-flow-logs is handed: the request and the execution it belongs to. */
export interface FlowLogsRunContext {
  request: EnableFlowLogsInput;
  execution: ExecutionFacts;
}

/** A flow log as the report shows it (before and after). */
export interface FlowLogSummary {
  flowLogId: string;
  status: string;
  destinationType: string;
  destination: string;
  trafficType: string;
  deliverLogsStatus?: string;
  deliverLogsError?: string;
}

export interface VpcPlan {
  vpcId: string;
  action: 'create' | 'none';
  reason: string;
  before: FlowLogSummary[];
}

export interface FlowLogsPlan {
  outcome: 'PROCEED' | 'NO_ACTION' | 'PLANNED';
  destination: FlowLogDestination;
  vpcs: VpcPlan[];
  /** The VPCs apply creates a flow log for (the Map's items). */
  toCreate: { vpcId: string }[];
}

/** One VPC's flow log after CreateFlowLogs. `created` is false when it was already there (made by someone else). */
export interface CreatedFlowLog {
  vpcId: string;
  flowLogId: string;
  created: boolean;
  at: string;
}

export function summarize(flowLog: FlowLog): FlowLogSummary {
  const summary: FlowLogSummary = {
    flowLogId: flowLog.FlowLogId ?? '',
    status: flowLog.FlowLogStatus ?? 'unknown',
    destinationType: flowLog.LogDestinationType ?? 'cloud-watch-logs',
    destination: flowLog.LogDestination ?? flowLog.LogGroupName ?? '',
    trafficType: flowLog.TrafficType ?? 'unknown',
  };
  if (flowLog.DeliverLogsStatus) summary.deliverLogsStatus = flowLog.DeliverLogsStatus;
  if (flowLog.DeliverLogsErrorMessage) summary.deliverLogsError = flowLog.DeliverLogsErrorMessage;
  return summary;
}

export async function findFlowLogs(ec2: EC2Client, query: { Filter?: Filter[]; FlowLogIds?: string[] }): Promise<FlowLog[]> {
  const flowLogs: FlowLog[] = [];
  for await (const page of paginateDescribeFlowLogs({ client: ec2 }, query)) flowLogs.push(...(page.FlowLogs ?? []));
  return flowLogs;
}

/** EC2 takes at most 200 values per filter. */
const chunks = <T>(items: T[], size = 200): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Flow logs attached to these VPCs, by VPC id. */
export async function flowLogsOfVpcs(ec2: EC2Client, vpcIds: string[]): Promise<Map<string, FlowLog[]>> {
  const byVpc = new Map<string, FlowLog[]>(vpcIds.map((id) => [id, []]));
  for (const chunk of chunks(vpcIds)) {
    for (const flowLog of await findFlowLogs(ec2, { Filter: [{ Name: 'resource-id', Values: chunk }] })) {
      byVpc.get(flowLog.ResourceId ?? '')?.push(flowLog);
    }
  }
  return byVpc;
}

/** VPCs by id (absent ones are simply missing from the result: filters do not throw NotFound), or every VPC. */
export async function describeVpcs(ec2: EC2Client, vpcIds?: string[]): Promise<Vpc[]> {
  const vpcs: Vpc[] = [];
  const queries = vpcIds ? chunks(vpcIds).map((chunk) => ({ Filters: [{ Name: 'vpc-id', Values: chunk }] })) : [{}];
  for (const query of queries) {
    for await (const page of paginateDescribeVpcs({ client: ec2 }, query)) vpcs.push(...(page.Vpcs ?? []));
  }
  return vpcs;
}

export function flowLogTags(executionName: string): ResourceTag[] {
  return [
    { Key: TAG.workflow, Value: WORKFLOW.enableFlowLogs },
    { Key: TAG.execution, Value: executionName },
  ];
}

/** Finds the flow logs one execution created (by its tags), optionally for one VPC. */
export function createdByExecution(executionName: string, vpcId?: string): Filter[] {
  return [
    { Name: `tag:${TAG.workflow}`, Values: [WORKFLOW.enableFlowLogs] },
    { Name: `tag:${TAG.execution}`, Values: [executionName] },
    ...(vpcId ? [{ Name: 'resource-id', Values: [vpcId] }] : []),
  ];
}
