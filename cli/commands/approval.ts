import { CliError, ioOf, signerOf, sourceFor, type CliDeps, type CommonOptions } from './context';

export interface ApprovalOptions extends CommonOptions {
  reason?: string;
}

export const NO_APPROVAL_PENDING = 'no approval is pending';

/**
 * The answer to send with SendTaskSuccess (docs/approval.md): `{approved: true, reason?, identityProof}`,
 * the proof being STS GetCallerIdentity presigned with the caller's credentials for
 * `approve:<executionArn>`. The workflow takes the approver from the proof, never from the answer.
 */
export async function approvalAnswer(executionArn: string, options: ApprovalOptions, deps: CliDeps): Promise<Record<string, unknown>> {
  const identityProof = await signerOf(options, deps).sign('approve', executionArn);
  return { approved: true, ...(options.reason ? { reason: options.reason } : {}), identityProof };
}

/**
 * `remediate approve|reject <execution>`: answers the task token of the execution's pending
 * `.waitForTaskToken` step. Approval sends the answer with its identity proof (approvalAnswer);
 * rejection fails the step with `ApprovalRejected` and the reason (the gate ends the execution with
 * nothing changed; a rejection needs no proof, and the principal in its cause is what the CLI says).
 * With --local the answer goes to the local run waiting in another process.
 */
export async function approvalCommand(approved: boolean, execution: string, options: ApprovalOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const source = sourceFor(options, deps);
  const detail = await source.describe(execution);
  if (detail.status !== 'RUNNING') throw new CliError(`${NO_APPROVAL_PENDING}: ${detail.name} is ${detail.status}`);
  const pending = await source.pendingApproval(detail);
  if (!pending) throw new CliError(`${NO_APPROVAL_PENDING}: ${detail.name} is not waiting at an approval step`);
  const signer = signerOf(options, deps);
  const principal = (await signer.principal()) ?? 'unknown';
  const at = io.now().toISOString();
  if (approved) {
    await source.answerTask(pending.taskToken, { approved: true, output: await approvalAnswer(detail.executionArn, options, deps) });
  } else {
    const reason = options.reason ?? 'rejected without a reason';
    await source.answerTask(pending.taskToken, { approved: false, error: 'ApprovalRejected', cause: JSON.stringify({ approved: false, principal, at, reason }), reason });
  }
  const answer = { execution: detail.name, state: pending.state, approved, principal, at };
  io.out(options.json ? JSON.stringify(answer, null, 2) : `${approved ? 'approved' : 'rejected'} ${pending.state} of ${detail.name} as ${principal}`);
  return 0;
}

/**
 * `remediate approval-answer <execution>`: prints the approval answer (with its identity proof) for
 * `aws stepfunctions send-task-success --task-output`, and the token to answer, for those who answer
 * with the AWS CLI or an SDK. The proof expires in 5 minutes.
 */
export async function approvalAnswerCommand(execution: string, options: ApprovalOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const source = sourceFor(options, deps);
  const detail = await source.describe(execution);
  const pending = detail.status === 'RUNNING' ? await source.pendingApproval(detail) : undefined;
  if (!pending) throw new CliError(`${NO_APPROVAL_PENDING}: ${detail.name} is ${detail.status === 'RUNNING' ? 'not waiting at an approval step' : detail.status}`);
  const answer = await approvalAnswer(detail.executionArn, options, deps);
  io.out(options.json ? JSON.stringify({ taskToken: pending.taskToken, output: answer }, null, 2) : JSON.stringify(answer));
  return 0;
}
