import type { S3Client } from '@aws-sdk/client-s3';
import { readJson } from './manifest';

/**
 * What a Distributed Map's ResultWriter writes (docs "ResultWriter (Map)"): `<prefix>/<map run id>/manifest.json`
 * naming the result files, each a JSON array of the child executions of one status.
 */
export interface ResultWriterManifest {
  DestinationBucket: string;
  MapRunArn: string;
  ResultFiles: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]>>;
}

/** One entry of SUCCEEDED_<n>.json / FAILED_<n>.json / PENDING_<n>.json: Input and Output are JSON strings. */
export interface ResultEntry {
  ExecutionArn: string;
  Name?: string;
  Input: string;
  Output?: string;
  Status: string;
  Error?: string;
  Cause?: string;
  StartDate?: string;
  StopDate?: string;
  RedriveCount?: number;
}

/** What the item processor returns for one item (workflows/fleet.ts StartChild's ResultSelector). */
export interface ItemResult {
  target: string;
  child: { executionArn: string; output: { outcome?: string; [key: string]: unknown } };
}

export interface FleetFailure {
  target: string;
  /** The child's own error (RemediationRolledBack, ResourceLockedError, ...), read from the .sync task's cause. */
  error: string;
  cause: string;
  childExecutionArn?: string;
}

export interface FleetCounts {
  total: number;
  REMEDIATED: number;
  NO_ACTION: number;
  PLANNED: number;
  /** Failures per child error name. */
  FAILED: Record<string, number>;
  /** Items the Map Run never ran (it failed first, or was stopped). */
  PENDING: number;
}

export interface FleetResults {
  counts: FleetCounts;
  succeeded: ItemResult[];
  failures: FleetFailure[];
}

/**
 * A `.sync` child that failed makes its task fail with States.TaskFailed and, as cause, the child's
 * DescribeExecution output as JSON: the child's own Error and Cause are inside.
 */
export function childFailure(entry: ResultEntry): FleetFailure {
  const item = JSON.parse(entry.Input || '{}') as { target?: string };
  const target = item.target ?? entry.Name ?? entry.ExecutionArn;
  try {
    const described = JSON.parse(entry.Cause ?? '') as { Error?: string; Cause?: string; ExecutionArn?: string };
    if (typeof described === 'object' && described && described.Error) {
      return { target, error: described.Error, cause: described.Cause ?? '', ...(described.ExecutionArn ? { childExecutionArn: described.ExecutionArn } : {}) };
    }
  } catch {
    // Not a child's description: the item failed for its own reason (a start refused, a timeout).
  }
  return { target, error: entry.Error ?? 'Unknown', cause: entry.Cause ?? '' };
}

/** Reads every result file a ResultWriter manifest names and counts the outcomes. */
export async function readFleetResults(s3: S3Client, manifest: ResultWriterManifest): Promise<FleetResults> {
  const read = async (status: 'SUCCEEDED' | 'FAILED' | 'PENDING') =>
    (await Promise.all((manifest.ResultFiles[status] ?? []).map((f) => readJson<ResultEntry[]>(s3, manifest.DestinationBucket, f.Key)))).flat();
  const [succeededEntries, failedEntries, pendingEntries] = await Promise.all([read('SUCCEEDED'), read('FAILED'), read('PENDING')]);
  const succeeded = succeededEntries.map((e) => JSON.parse(e.Output ?? '{}') as ItemResult);
  const failures = failedEntries.map(childFailure);
  const counts: FleetCounts = { total: succeeded.length + failures.length + pendingEntries.length, REMEDIATED: 0, NO_ACTION: 0, PLANNED: 0, FAILED: {}, PENDING: pendingEntries.length };
  for (const item of succeeded) {
    const outcome = item.child.output.outcome;
    if (outcome === 'REMEDIATED' || outcome === 'NO_ACTION' || outcome === 'PLANNED') counts[outcome] += 1;
  }
  for (const failure of failures) counts.FAILED[failure.error] = (counts.FAILED[failure.error] ?? 0) + 1;
  return { counts, succeeded, failures };
}
