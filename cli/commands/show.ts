import { timelineOf, toAuditRecord } from '../audit/model';
import { showText } from '../audit/render';
import { ioOf, sourceFor, type CliDeps, type CommonOptions } from './context';

/** `remediate show <execution>`: the timeline from the execution history and the report's actions. */
export async function showCommand(execution: string, options: CommonOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const source = sourceFor(options, deps);
  const detail = await source.describe(execution);
  const record = toAuditRecord(detail);
  const timeline = timelineOf(await source.history(detail.executionArn));
  const report = detail.status === 'SUCCEEDED' && detail.output ? (JSON.parse(detail.output) as unknown) : undefined;
  io.out(options.json ? JSON.stringify({ ...record, timeline, report }, null, 2) : showText(record, timeline));
  return 0;
}
