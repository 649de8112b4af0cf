import { paginateGetMetricData, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';

/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;
const DAY_SECONDS = 86400;

export interface V1Use {
  /** Requests without a token (IMDSv1) within the window. */
  recent: boolean;
  /** The day of the latest data point with requests. */
  lastSeenAt?: string;
}

/**
 * IMDSv1 use per instance: the AWS/EC2 metric MetadataNoToken (requests answered without a token), summed per day
 * over the window. No data point means no request was counted (the metric is published only when there were some).
 */
export async function v1UsageOf(cloudwatch: CloudWatchClient, instanceIds: string[], days: number, now = new Date()): Promise<Map<string, V1Use>> {
  const usage = new Map<string, V1Use>(instanceIds.map((id) => [id, { recent: false }]));
  const StartTime = new Date(now.getTime() - days * DAY_SECONDS * 1000);
  for (let first = 0; first < instanceIds.length; first += QUERIES_PER_CALL) {
    const batch = instanceIds.slice(first, first + QUERIES_PER_CALL);
    const MetricDataQueries: MetricDataQuery[] = batch.map((id, i) => ({
      Id: `m${i}`,
      MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId', Value: id }] }, Period: DAY_SECONDS, Stat: 'Sum' },
      ReturnData: true,
    }));
    for await (const page of paginateGetMetricData({ client: cloudwatch }, { MetricDataQueries, StartTime, EndTime: now, ScanBy: 'TimestampDescending' })) {
      for (const result of page.MetricDataResults ?? []) {
        const id = batch[Number(result.Id?.slice(1))];
        if (!id) continue;
        const values = result.Values ?? [];
        const seen = values.findIndex((v) => v > 0);
        if (seen < 0) continue;
        const at = result.Timestamps?.[seen];
        const previous = usage.get(id)?.lastSeenAt;
        const lastSeenAt = at && (!previous || at.toISOString() > previous) ? at.toISOString() : previous;
        usage.set(id, { recent: true, ...(lastSeenAt ? { lastSeenAt } : {}) });
      }
    }
  }
  return usage;
}
