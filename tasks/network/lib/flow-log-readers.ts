import { gunzipSync } from 'node:zlib';
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorName } from '../../lib/errors';
import { formatFields, headerFields, parseRecord } from './flow-log-format';
import type { EniFacts, FlowLogSource } from './flow-log-sources';
import type { TrafficAggregator } from './traffic-aggregate';

/** Records are aggregated over up to 10 minutes and delivered minutes later: read this much beyond the window. */
export const DELIVERY_SLACK_MS = 15 * 60_000;

/** What one source gave: how many events or objects were read, and why it gave nothing (a missing log group). */
export interface SourceRead { flowLogId: string; destinationType: string; read: number; note?: string }

/**
 * CloudWatch Logs: FilterLogEvents on the ENIs' own streams (`<eni>-all`, the name flow logs give them) over the
 * window, page by page until the aggregator's cap. A missing group or stream reads as nothing, with a note.
 */
export async function readCloudWatchLogs(logs: CloudWatchLogsClient, source: FlowLogSource, aggregator: TrafficAggregator, window: { from: string; to: string }): Promise<SourceRead> {
  const fields = formatFields(source.logFormat);
  const streamEni = new Map(source.eniIds.map((eni) => [`${eni}-all`, eni]));
  let nextToken: string | undefined;
  let read = 0;
  do {
    let page;
    try {
      page = await logs.send(new FilterLogEventsCommand({
        logGroupName: source.logGroupName, logStreamNames: [...streamEni.keys()],
        startTime: Date.parse(window.from) - DELIVERY_SLACK_MS, endTime: Date.parse(window.to) + DELIVERY_SLACK_MS,
        ...(nextToken ? { nextToken } : {}),
      }));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      return { flowLogId: source.flowLogId, destinationType: source.destinationType, read, note: `log group ${source.logGroupName} or its streams not found: nothing delivered yet` };
    }
    for (const event of page.events ?? []) {
      if (!aggregator.open) { aggregator.capHit = true; return { flowLogId: source.flowLogId, destinationType: source.destinationType, read }; }
      read += 1;
      aggregator.add(parseRecord(event.message ?? '', fields), streamEni.get(event.logStreamName ?? ''));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { flowLogId: source.flowLogId, destinationType: source.destinationType, read };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The key prefixes of each UTC day (or hour, with per-hour partitions) the window touches, as EC2 writes them. */
export function s3Prefixes(source: FlowLogSource, eni: Pick<EniFacts, 'ownerId'>, region: string, window: { from: string; to: string }): string[] {
  const base = source.prefix ? `${source.prefix}/` : '';
  const step = source.perHour ? 3600_000 : 86_400_000;
  const prefixes: string[] = [];
  const first = Date.parse(window.from) - DELIVERY_SLACK_MS;
  const last = Date.parse(window.to) + DELIVERY_SLACK_MS;
  for (let t = first - (first % step); t <= last; t += step) {
    const d = new Date(t);
    const [y, m, day, h] = [String(d.getUTCFullYear()), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours())];
    const hour = source.perHour ? `${source.hive ? `hour=${h}` : h}/` : '';
    prefixes.push(source.hive
      ? `${base}AWSLogs/aws-account-id=${eni.ownerId}/aws-service=vpcflowlogs/aws-region=${region}/year=${y}/month=${m}/day=${day}/${hour}`
      : `${base}AWSLogs/${eni.ownerId}/vpcflowlogs/${region}/${y}/${m}/${day}/${hour}`);
  }
  return prefixes;
}

/** A file's end of delivery, from its name (`..._<flow log id>_20260131T1205Z_<hash>.log.gz`). */
const fileTime = (key: string): number | undefined => {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(key);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : undefined;
};

/**
 * S3: the flow log's objects for the window's days (ListObjectsV2 on each prefix; only this flow log's files,
 * and only files delivered within the window and its slack), each fetched, gunzipped and parsed with its
 * header line's fields (else the flow log's format), until the aggregator's cap.
 */
export async function readS3(s3: S3Client, source: FlowLogSource, owner: Pick<EniFacts, 'ownerId'>, region: string, aggregator: TrafficAggregator, window: { from: string; to: string }): Promise<SourceRead> {
  let read = 0;
  const earliest = Date.parse(window.from) - DELIVERY_SLACK_MS;
  const latest = Date.parse(window.to) + DELIVERY_SLACK_MS;
  for (const prefix of s3Prefixes(source, owner, region, window)) {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: source.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        const at = fileTime(key);
        if (!key.includes(`_${source.flowLogId}_`) || (at !== undefined && (at < earliest || at > latest))) continue;
        if (!aggregator.open) { aggregator.capHit = true; return { flowLogId: source.flowLogId, destinationType: source.destinationType, read }; }
        const body = await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: key }));
        const bytes = Buffer.from(await (body.Body as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray());
        const lines = (key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split('\n').filter((l) => l.trim() !== '');
        read += 1;
        const header = lines[0] ? headerFields(lines[0]) : undefined;
        const fields = header ?? formatFields(source.logFormat);
        for (const line of header ? lines.slice(1) : lines) {
          if (!aggregator.open) { aggregator.capHit = true; return { flowLogId: source.flowLogId, destinationType: source.destinationType, read }; }
          aggregator.add(parseRecord(line, fields));
        }
      }
    }
  }
  return { flowLogId: source.flowLogId, destinationType: source.destinationType, read };
}
