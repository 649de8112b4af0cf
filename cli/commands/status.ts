import { toAuditRecord } from '../audit/model';
import { summaryLines } from '../audit/render';
import { ioOf, sourceFor, type CliDeps, type CommonOptions } from './context';

/** `remediate status <execution>`: one execution's status, outcome, trigger and times. */
export async function statusCommand(execution: string, options: CommonOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const record = toAuditRecord(await sourceFor(options, deps).describe(execution));
  io.out(options.json ? JSON.stringify(record, null, 2) : summaryLines(record).join('\n'));
  return 0;
}
