import { createEc2Client } from '../lib/clients/ec2';
import { ErrorNames } from '../lib/errors';
import { NOT_YET_VISIBLE_POLLS, STATE_PROFILE, advancePoll } from '../lib/polling';
import type { PollState } from '../lib/types';
import { findFlowLogs, summarize, type CreatedFlowLog, type FlowLogSummary } from './lib/flow-logs';

const ec2 = createEc2Client();

export interface CheckFlowLogsEvent {
  flowLogs: CreatedFlowLog[];
  poll?: PollState;
}

/** The poll's state plus what each VPC's flow log looks like now (the report's "after"). */
export interface FlowLogsVerification extends PollState {
  flowLogs: (FlowLogSummary & { vpcId: string })[];
}

/**
 * Verify (one poll): every flow log the workflow relies on is ACTIVE and reports no delivery error. A delivery
 * error ("Access error": the destination refuses the log service) is `error` with a VerificationFailedError naming
 * the VPC and the reason; a flow log not ACTIVE yet (or not yet visible) is `pending`.
 */
export const handler = async ({ flowLogs, poll }: CheckFlowLogsEvent): Promise<FlowLogsVerification> => {
  const found = await findFlowLogs(ec2, { FlowLogIds: flowLogs.map((f) => f.flowLogId) });
  const seen = flowLogs.flatMap(({ vpcId, flowLogId }) => {
    const flowLog = found.find((f) => f.FlowLogId === flowLogId);
    return flowLog ? [{ vpcId, ...summarize(flowLog) }] : [];
  });
  const problems = seen
    .filter((f) => f.deliverLogsError || f.deliverLogsStatus === 'FAILED')
    .map((f) => `${f.vpcId}: flow log ${f.flowLogId} cannot deliver to ${f.destination}: ${f.deliverLogsError ?? 'delivery FAILED'}`);
  const missing = flowLogs.filter((f) => !seen.some((s) => s.flowLogId === f.flowLogId));
  // EC2 is eventually consistent: a flow log created a moment ago may not be listed during the first polls.
  if (missing.length > 0 && (poll?.count ?? 0) >= NOT_YET_VISIBLE_POLLS) {
    problems.push(...missing.map((f) => `${f.vpcId}: flow log ${f.flowLogId} no longer exists`));
  }
  if (problems.length > 0) {
    const error = { Error: ErrorNames.verificationFailed, Cause: `flow logs do not deliver: ${problems.join('; ')}` };
    return { ...advancePoll(poll, { status: 'error', error }, STATE_PROFILE, 0, 'flow logs'), flowLogs: seen };
  }
  const pending = missing.length > 0 || seen.some((f) => f.status !== 'ACTIVE');
  return { ...advancePoll(poll, { status: pending ? 'pending' : 'completed' }, STATE_PROFILE, 0, 'flow logs'), flowLogs: seen };
};
