import { CliError, callerOf, ioOf, sourceFor, type CliDeps, type CommonOptions } from './context';

export interface ApprovalOptions extends CommonOptions {
  reason?: string;
}

export const NO_APPROVAL_PENDING = 'no approval is pending';

/**
 * `remediate approve|reject <execution>`: answers the task token of the execution's pending
 * `.waitForTaskToken` step. Approval sends `{approved: true, principal, at}`; rejection fails
 * the step with `ApprovalRejected` and the reason (the gate ends the execution with nothing changed).
 * With --local the answer goes to the local run waiting in another process, which takes the
 * approver to be the OS user who answered.
 */
export async function approvalCommand(approved: boolean, execution: string, options: ApprovalOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const source = sourceFor(options, deps);
  const detail = await source.describe(execution);
  if (detail.status !== 'RUNNING') throw new CliError(`${NO_APPROVAL_PENDING}: ${detail.name} is ${detail.status}`);
  const pending = await source.pendingApproval(detail);
  if (!pending) throw new CliError(`${NO_APPROVAL_PENDING}: ${detail.name} is not waiting at an approval step`);
  const principal = (await callerOf(options, deps)()) ?? 'unknown';
  const at = io.now().toISOString();
  if (approved) {
    await source.answerTask(pending.taskToken, { approved: true, output: { approved: true, principal, at } });
  } else {
    const reason = options.reason ?? 'rejected without a reason';
    await source.answerTask(pending.taskToken, { approved: false, error: 'ApprovalRejected', cause: JSON.stringify({ approved: false, principal, at, reason }), reason });
  }
  const answer = { execution: detail.name, state: pending.state, approved, principal, at };
  io.out(options.json ? JSON.stringify(answer, null, 2) : `${approved ? 'approved' : 'rejected'} ${pending.state} of ${detail.name} as ${principal}`);
  return 0;
}
