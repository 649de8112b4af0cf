import { timelineOf, toAuditRecord } from '../audit/model';
import { showText } from '../audit/render';
import { describeAnywhere, ioOf, sourceFor, type CliDeps, type CommonOptions } from './context';

/** `remediate show <execution>`: the timeline from the execution history and the report's actions. */
export async function showCommand(execution: string, options: CommonOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const { detail, archived } = await describeAnywhere(execution, options, deps);
  const record = toAuditRecord(detail);
  // Past Step Functions' 90 days only the audit log's status changes remain: no state-by-state history.
  const timeline = archived ? [] : timelineOf(await sourceFor(options, deps).history(detail.executionArn));
  const report = detail.status === 'SUCCEEDED' && detail.output ? (JSON.parse(detail.output) as unknown) : undefined;
  if (options.json) io.out(JSON.stringify({ ...record, archived, timeline, report }, null, 2));
  else io.out(archived ? `${showText(record, timeline)}\n(from the audit log group: the state-by-state history has expired)` : showText(record, timeline));
  return 0;
}
