import { toAuditRecord } from '../audit/model';
import { summaryLines } from '../audit/render';
import { describeAnywhere, ioOf, type CliDeps, type CommonOptions } from './context';

/** `remediate status <execution>`: one execution's status, outcome, trigger and times. */
export async function statusCommand(execution: string, options: CommonOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const { detail, archived } = await describeAnywhere(execution, options, deps);
  const record = toAuditRecord(detail);
  if (options.json) io.out(JSON.stringify({ ...record, archived }, null, 2));
  else io.out([...summaryLines(record), ...(archived ? [`(from the audit log group: Step Functions no longer keeps this execution)`] : [])].join('\n'));
  return 0;
}
