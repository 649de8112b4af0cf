import { createLogsClient } from '../lib/clients/logs';
import { createS3Client } from '../lib/clients/s3';
import { logger } from '../lib/logger';
import { readCloudWatchLogs, readS3, type SourceRead } from './lib/flow-log-readers';
import type { InvestigationContext, InvestigationPlan } from './lib/investigation';
import { TrafficAggregator, type TrafficSummary } from './lib/traffic-aggregate';

const logs = createLogsClient();
const s3 = createS3Client();

export interface AnalyseTrafficEvent extends InvestigationContext {
  plan: InvestigationPlan;
}

export interface TrafficAnalysis extends TrafficSummary {
  sources: SourceRead[];
}

/**
 * Reads the flow-log records of the planned sources (CloudWatch Logs filtered events, or S3 objects) and
 * aggregates them here, returning only the top N: the state stays far below Step Functions' 256 KB
 * whatever the traffic. Reading stops at `maxRecords`; the summary says when it did (capHit).
 */
export const handler = async ({ request, plan }: AnalyseTrafficEvent): Promise<TrafficAnalysis> => {
  const ingress = plan.worldOpen.filter((r) => !r.egress);
  const aggregator = new TrafficAggregator(
    plan.enis.map((eni) => ({ eniId: eni.eniId, addresses: eni.addresses, worldOpen: ingress.filter((r) => eni.groupIds.includes(r.groupId)) })),
    plan.window, request.maxRecords,
  );
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const sources: SourceRead[] = [];
  for (const source of plan.sources) {
    // The cap was reached with sources left unread.
    if (!aggregator.open) { aggregator.capHit = true; break; }
    const owner = plan.enis.find((e) => source.eniIds.includes(e.eniId)) ?? { ownerId: '' };
    sources.push(source.destinationType === 'cloud-watch-logs'
      ? await readCloudWatchLogs(logs, source, aggregator, plan.window)
      : await readS3(s3, source, owner, region, aggregator, plan.window));
  }
  const summary = aggregator.summary(request.top);
  logger.info('traffic analysed', { read: summary.recordsRead, matched: summary.recordsMatched, capHit: summary.capHit, talkers: summary.distinctTalkers });
  return { ...summary, sources };
};
