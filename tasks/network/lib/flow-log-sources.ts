import { paginateDescribeNetworkInterfaces, type EC2Client, type FlowLog, type NetworkInterface } from '@aws-sdk/client-ec2';
import { awsErrorName, PreconditionFailedError, ResourceNotFoundError } from '../../lib/errors';
import { findFlowLogs } from './flow-logs';

/** One investigated ENI: where it is, its addresses and groups. */
export interface EniFacts {
  eniId: string;
  instanceId?: string;
  subnetId: string;
  vpcId: string;
  ownerId: string;
  addresses: string[];
  groupIds: string[];
}

/** Where one flow log's records are read from, and for which of the investigated ENIs. */
export interface FlowLogSource {
  flowLogId: string;
  /** The resource the flow log is attached to: an ENI, a subnet or a VPC. */
  resourceId: string;
  destinationType: 'cloud-watch-logs' | 's3';
  logGroupName?: string;
  /** S3: bucket and key prefix (empty when the flow log names the bucket alone), hive-style or per-hour partitions. */
  bucket?: string;
  prefix?: string;
  hive?: boolean;
  perHour?: boolean;
  logFormat?: string;
  eniIds: string[];
}

/** A flow log that covers an ENI but cannot be read here, with why (Firehose, Parquet files, not ACTIVE). */
export interface UnreadableFlowLog { flowLogId: string; resourceId: string; reason: string }

export async function describeEnis(ec2: EC2Client, query: { instanceId?: string; eniIds?: string[] }): Promise<EniFacts[]> {
  const enis: NetworkInterface[] = [];
  const request = query.instanceId
    ? { Filters: [{ Name: 'attachment.instance-id', Values: [query.instanceId] }] }
    : { NetworkInterfaceIds: query.eniIds };
  try {
    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, request)) enis.push(...(page.NetworkInterfaces ?? []));
  } catch (error) {
    if (awsErrorName(error) === 'InvalidNetworkInterfaceID.NotFound') throw new ResourceNotFoundError(`network interface not found: ${query.eniIds?.join(', ')}`);
    throw error;
  }
  if (enis.length === 0) throw new ResourceNotFoundError(query.instanceId ? `instance ${query.instanceId} not found or has no network interface` : 'no network interface found');
  return enis.map((eni) => ({
    eniId: eni.NetworkInterfaceId as string,
    ...(eni.Attachment?.InstanceId ? { instanceId: eni.Attachment.InstanceId } : {}),
    subnetId: eni.SubnetId as string,
    vpcId: eni.VpcId as string,
    ownerId: eni.OwnerId as string,
    addresses: [
      ...(eni.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress),
      ...(eni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address),
    ].filter((a): a is string => !!a),
    groupIds: (eni.Groups ?? []).map((g) => g.GroupId as string),
  })).sort((a, b) => a.eniId.localeCompare(b.eniId));
}

const SPECIFICITY = (resourceId: string) => (resourceId.startsWith('eni-') ? 0 : resourceId.startsWith('subnet-') ? 1 : 2);

function readable(flowLog: FlowLog): string | undefined {
  if (flowLog.FlowLogStatus !== 'ACTIVE') return `status ${flowLog.FlowLogStatus ?? 'unknown'}`;
  const type = flowLog.LogDestinationType ?? 'cloud-watch-logs';
  if (type !== 's3' && type !== 'cloud-watch-logs') return `delivers to ${type}, which this workflow does not read`;
  if (type === 's3' && flowLog.DestinationOptions?.FileFormat === 'parquet') return 'Parquet files, which this workflow does not parse (plain-text only)';
  return undefined;
}

function sourceOf(flowLog: FlowLog): Omit<FlowLogSource, 'eniIds'> {
  const base = {
    flowLogId: flowLog.FlowLogId as string, resourceId: flowLog.ResourceId as string,
    ...(flowLog.LogFormat ? { logFormat: flowLog.LogFormat } : {}),
  };
  if ((flowLog.LogDestinationType ?? 'cloud-watch-logs') === 'cloud-watch-logs') {
    return { ...base, destinationType: 'cloud-watch-logs', logGroupName: flowLog.LogGroupName ?? (flowLog.LogDestination ?? '').split(':log-group:')[1]?.replace(/:\*$/, '') };
  }
  const [bucket = '', ...prefix] = (flowLog.LogDestination ?? '').replace(/^arn:[^:]+:s3:::/, '').split('/');
  return {
    ...base, destinationType: 's3', bucket, prefix: prefix.filter(Boolean).join('/'),
    ...(flowLog.DestinationOptions?.HiveCompatiblePartitions ? { hive: true } : {}),
    ...(flowLog.DestinationOptions?.PerHourPartition ? { perHour: true } : {}),
  };
}

/**
 * The flow logs covering each ENI (attached to it, its subnet or its VPC). Each ENI is read from one
 * source only, the most specific readable one (ENI, then subnet, then VPC; CloudWatch Logs before S3,
 * which is filtered by stream), so no record is counted twice. None for an ENI: enable-flow-logs comes first.
 */
export async function flowLogSources(ec2: EC2Client, enis: EniFacts[]): Promise<{ sources: FlowLogSource[]; unreadable: UnreadableFlowLog[] }> {
  const resourceIds = [...new Set(enis.flatMap((e) => [e.eniId, e.subnetId, e.vpcId]))];
  const flowLogs = await findFlowLogs(ec2, { Filter: [{ Name: 'resource-id', Values: resourceIds }] });
  const unreadable: UnreadableFlowLog[] = [];
  for (const f of flowLogs) {
    const reason = readable(f);
    if (reason) unreadable.push({ flowLogId: f.FlowLogId as string, resourceId: f.ResourceId as string, reason });
  }
  const usable = flowLogs.filter((f) => !readable(f)).sort((a, b) =>
    SPECIFICITY(a.ResourceId ?? '') - SPECIFICITY(b.ResourceId ?? '') ||
    Number(a.LogDestinationType === 's3') - Number(b.LogDestinationType === 's3') || (a.FlowLogId ?? '').localeCompare(b.FlowLogId ?? ''));
  const sources = new Map<string, FlowLogSource>();
  const uncovered: string[] = [];
  for (const eni of enis) {
    const chosen = usable.find((f) => [eni.eniId, eni.subnetId, eni.vpcId].includes(f.ResourceId ?? ''));
    if (!chosen) { uncovered.push(eni.eniId); continue; }
    const source = sources.get(chosen.FlowLogId as string) ?? { ...sourceOf(chosen), eniIds: [] };
    source.eniIds.push(eni.eniId);
    sources.set(source.flowLogId, source);
  }
  if (uncovered.length > 0) {
    const vpcs = [...new Set(enis.filter((e) => uncovered.includes(e.eniId)).map((e) => e.vpcId))];
    const why = unreadable.length > 0 ? ` (found but not readable: ${unreadable.map((u) => `${u.flowLogId}: ${u.reason}`).join('; ')})` : '';
    throw new PreconditionFailedError(
      `no readable flow log covers ${uncovered.join(', ')}${why}: run enable-flow-logs first, e.g. {"vpcIds": ${JSON.stringify(vpcs)}, "destination": "s3"}`,
    );
  }
  return { sources: [...sources.values()], unreadable };
}
