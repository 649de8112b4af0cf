import { createS3Client } from '../lib/clients/s3';
import { readEnv, requiredString } from '../lib/env';
import { InvalidInputError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { FLEET_BUCKET_ENV, planManifestKey, readJson, summaryKey, writeJson, type PlanManifest } from './lib/manifest';
import { readFleetResults, type FleetCounts, type FleetFailure, type ResultWriterManifest } from './lib/results';
import type { FleetInput } from './lib/schema';
import type { Selection } from './select-targets';

const s3 = createS3Client();
const { [FLEET_BUCKET_ENV]: BUCKET } = readEnv({ [FLEET_BUCKET_ENV]: requiredString });

export interface SummarizeFleetInput {
  request: FleetInput;
  execution: ExecutionFacts;
  selection: Selection;
  /** The Distributed Map's output with a ResultWriter; absent when the selector matched nothing (no Map Run). */
  mapRun: { MapRunArn?: string; ResultWriterDetails?: { Bucket: string; Key: string } };
}

export interface FleetReport {
  workflow: 'fleet';
  childWorkflow: FleetInput['workflow'];
  target: string;
  mode: FleetInput['mode'];
  outcome: 'REMEDIATED' | 'NO_ACTION' | 'PLANNED';
  mapRunArn?: string;
  counts: FleetCounts;
  failures: FleetFailure[];
  excluded: string[];
  missing: string[];
  summary: string;
  /** Plan mode: the manifest `selector.manifest` takes to apply exactly what was planned. */
  planManifest?: string;
  trigger: FleetInput['trigger'];
}

/** Reads the ResultWriter output, counts the children's outcomes, writes the summary (and in plan mode the plan manifest). */
export const handler = async ({ request, execution, selection, mapRun }: SummarizeFleetInput): Promise<FleetReport> => {
  const empty: FleetCounts = { total: 0, REMEDIATED: 0, NO_ACTION: 0, PLANNED: 0, FAILED: {}, PENDING: 0 };
  let results = { counts: empty, succeeded: [] as Awaited<ReturnType<typeof readFleetResults>>['succeeded'], failures: [] as FleetFailure[] };
  if (mapRun.ResultWriterDetails) {
    const { Bucket, Key } = mapRun.ResultWriterDetails;
    if (Bucket !== BUCKET) throw new InvalidInputError(`mapRun.ResultWriterDetails.Bucket: ${Bucket} is not the fleet bucket ${BUCKET}`);
    results = await readFleetResults(s3, await readJson<ResultWriterManifest>(s3, Bucket, Key));
  }
  const { counts } = results;
  let planManifest: string | undefined;
  if (request.mode === 'plan') {
    const manifest: PlanManifest = {
      kind: 'fleet-plan', workflow: request.workflow, fleetExecution: execution.name, childInput: request.childInput,
      items: results.succeeded.filter((r) => r.child.output.outcome === 'PLANNED').map((r) => ({ target: r.target, plan: r.child.output })),
    };
    planManifest = await writeJson(s3, BUCKET, planManifestKey(execution.name), manifest);
  }
  const outcome = request.mode === 'plan' ? 'PLANNED' : counts.REMEDIATED > 0 ? 'REMEDIATED' : 'NO_ACTION';
  const report: FleetReport = {
    workflow: 'fleet', childWorkflow: request.workflow, target: execution.name, mode: request.mode, outcome,
    ...(mapRun.MapRunArn ? { mapRunArn: mapRun.MapRunArn } : {}),
    counts, failures: results.failures, excluded: selection.excluded, missing: selection.missing,
    summary: `s3://${BUCKET}/${summaryKey(execution.name)}`, ...(planManifest ? { planManifest } : {}), trigger: request.trigger,
  };
  await writeJson(s3, BUCKET, summaryKey(execution.name), report);
  logger.info('fleet summarized', { outcome, counts });
  return report;
};
