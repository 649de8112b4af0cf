import { writeFileSync } from 'node:fs';
import { toCsv, toJson, toMarkdown, type ExportFormat } from '../audit/export';
import { collectRecords, type HistoryOptions } from './history';
import { archiveFor, ioOf, parseSince, sourceFor, type CliDeps } from './context';

export interface ExportOptions extends HistoryOptions {
  since: string;
  format: ExportFormat;
  out?: string;
}

/** `remediate export`: an audit file of every execution since a date (who/what triggered, target, outcome, actions, times). */
export async function exportCommand(options: ExportOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const generatedAt = io.now();
  const since = parseSince(options.since, generatedAt);
  const records = await collectRecords(sourceFor(options, deps), options, generatedAt, archiveFor(options, deps));
  const text = options.format === 'csv' ? toCsv(records) : options.format === 'md' ? toMarkdown(records, { since, generatedAt }) : toJson(records, { since, generatedAt });
  if (options.out) {
    writeFileSync(options.out, text);
    io.out(`wrote ${records.length} execution(s) to ${options.out}`);
  } else {
    io.out(text.replace(/\r?\n$/, ''));
  }
  return 0;
}
